package dev.portlocal.proxy;

import dev.portlocal.model.Mapping;
import dev.portlocal.relay.ConnectionTracker;
import dev.portlocal.relay.RelayedConnection;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data plane's view of one open mapping: its listeners, where new connections go, and the connections it
 * relays now (so removal can drain them).
 *
 * <p>Threading: the target is written by the control thread and read by every loop on accept; the connection set
 * and counters are updated from every loop.
 */
final class OpenMapping implements ConnectionTracker {

    private final int nodePort;
    private volatile Mapping mapping;
    private volatile List<AutoCloseable> listeners = List.of();
    private final Set<RelayedConnection> connections = ConcurrentHashMap.newKeySet();
    final LongAdder acceptErrors = new LongAdder();
    final LongAdder connectionsTotal = new LongAdder();

    OpenMapping(Mapping mapping) {
        this.mapping = mapping;
        this.nodePort = mapping.nodePort();
    }

    int nodePort() {
        return nodePort;
    }

    Mapping mapping() {
        return mapping;
    }

    InetSocketAddress target() {
        return mapping.target();
    }

    void retarget(Mapping next) {
        this.mapping = next;
    }

    void listeners(List<AutoCloseable> list) {
        this.listeners = List.copyOf(list);
    }

    List<AutoCloseable> listeners() {
        return listeners;
    }

    Set<RelayedConnection> connections() {
        return connections;
    }

    @Override
    public void opened(RelayedConnection connection) {
        connectionsTotal.increment();
        connections.add(connection);
    }

    @Override
    public void closed(RelayedConnection connection) {
        connections.remove(connection);
    }
}
