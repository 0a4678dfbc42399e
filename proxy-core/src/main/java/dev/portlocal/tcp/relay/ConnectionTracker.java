package dev.portlocal.tcp.relay;

import dev.portlocal.model.Mapping;

/**
 * Told when a relayed connection starts, reaches its endpoint (or fails to) and ends, so its mapping can drain and
 * count it. Each call is once per connection, never per byte or per syscall.
 *
 * <p>Threading: called on the connection's event loop; connections of one mapping span every loop, so
 * implementations must be thread-safe.
 */
public interface ConnectionTracker {

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
