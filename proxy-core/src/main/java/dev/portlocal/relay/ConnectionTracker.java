package dev.portlocal.relay;

/**
 * Told when a relayed connection starts and ends, so its mapping can drain and count it.
 *
 * <p>Threading: called on the connection's event loop; connections of one mapping span every loop, so
 * implementations must be thread-safe.
 */
public interface ConnectionTracker {

    void opened(RelayedConnection connection);

    void closed(RelayedConnection connection);
}
