package dev.portlocal.relay;

/**
 * A connection some relay carries, seen from its mapping: it can be counted and, when a drain runs out, reset.
 *
 * <p>Threading: {@link #forceClose()} may be called from any thread.
 */
public interface RelayedConnection {

    /** Resets both sides. Idempotent. */
    void forceClose();
}
