package dev.portlocal.tcp.relay;

import dev.portlocal.model.Mapping;

/**
 * Told when a relayed connection starts, reaches its endpoint (or fails to) and ends, so its mapping can drain and
 * count it; asked at the accept whether a connection may go on. Each call is once per connection, never per byte or
 * per syscall.
 *
 * <p>Threading: called on the connection's event loop; connections of one mapping span every loop, so
 * implementations must be thread-safe.
 */
public interface ConnectionTracker {

    /** What applies to a connection accepted now: the mapping, who may connect, the cap, the timeouts. */
    default ConnectionPolicy policy() {
        throw new UnsupportedOperationException("no policy");
    }

    /**
     * Counts a connection the policy allowed in against the caps, at the accept: null if it may go on (then
     * {@link #closed}, or {@link #abandoned} if it never opens, gives its place back), else why it is refused
     * ({@link ConnectionPolicy#OVER_LIMIT}).
     */
    default String admit(ConnectionPolicy policy) {
        return null;
    }

    /** A connection was refused at the accept, {@code reason} saying why ({@link ConnectionPolicy#NOT_ALLOWED}...). */
    default void refused(String reason) {
    }

    /** An admitted connection that never opened (no socket for the endpoint, say) gives its place back. */
    default void abandoned() {
    }

    void opened(RelayedConnection connection);

    /** The endpoint accepted the connection {@code nanos} after the connect began. */
    default void connected(long nanos) {
    }

    /** The connect to the endpoint failed; {@link #closed} follows. */
    default void connectFailed(ConnectFailure reason) {
    }

    void closed(RelayedConnection connection);

    /** The mapping the connection was accepted for, which the access log names; null if there is none. */
    default Mapping mapping() {
        return null;
    }
}
