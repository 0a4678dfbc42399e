package dev.portlocal.tcp.relay;

/**
 * A connection some relay carries, seen from its mapping: it can be counted, read for its byte counts and, when a
 * drain runs out, reset.
 *
 * <p>Threading: {@link #forceClose()} may be called from any thread. The byte counts are plain fields of the
 * connection's event loop: read them only on that loop, where {@link #inEventLoop()} is true.
 */
public interface RelayedConnection {

    /** Resets both sides. Idempotent. */
    void forceClose();

    /** True when called on the loop this connection runs on. */
    boolean inEventLoop();

    /** Bytes forwarded client → endpoint so far. Event loop only. */
    long bytesUp();

    /** Bytes forwarded endpoint → client so far. Event loop only. */
    long bytesDown();
}
