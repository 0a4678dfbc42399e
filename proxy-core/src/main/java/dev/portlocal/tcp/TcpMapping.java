package dev.portlocal.tcp;

import dev.portlocal.model.Mapping;
import dev.portlocal.tcp.relay.ConnectFailure;
import dev.portlocal.tcp.relay.ConnectionPolicy;
import dev.portlocal.tcp.relay.ConnectionTracker;
import dev.portlocal.tcp.relay.RelayedConnection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The TCP plane's view of one open mapping: its listeners, where new connections go, and the connections it
 * relays now (so removal can drain them).
 *
 * <p>Threading: the target is written by the control thread and read by every loop on accept; the connection set
 * and counters are updated from every loop, once per connection event (never per byte). A connection's bytes are
 * added to {@link #closedBytesUp}/{@link #closedBytesDown} when it closes; the metrics scrape reads live connections
 * on their loops.
 */
final class TcpMapping implements ConnectionTracker {

    private static final AtomicLong IDS = new AtomicLong();

    /** Tells this opening of the mapping from an earlier one of the same key, for the metrics scrape. */
    final long id = IDS.incrementAndGet();
    private final int nodePort;
    /** The mapping and what its accept applies, in one volatile field: one read per accept sees one version. */
    private volatile ConnectionPolicy policy;
    private final PolicyDefaults defaults;
    private final List<InetAddress> addresses;
    private volatile List<AutoCloseable> listeners = List.of();
    private final Set<RelayedConnection> connections = ConcurrentHashMap.newKeySet();
    final LongAdder acceptErrors = new LongAdder();
    final LongAdder connectionsTotal = new LongAdder();
    final LongAdder closedBytesUp = new LongAdder();
    final LongAdder closedBytesDown = new LongAdder();
    final LongAdder[] connectErrors = newAdders(ConnectFailure.values().length);
    final ConnectLatency connectLatency = new ConnectLatency();
    /** Connections admitted and not yet closed: touched once at the accept and once at the close. */
    private final AtomicInteger admitted = new AtomicInteger();
    final LongAdder refusedNotAllowed = new LongAdder();
    final LongAdder refusedOverLimit = new LongAdder();

    TcpMapping(Mapping mapping, List<InetAddress> addresses, PolicyDefaults defaults) {
        this.defaults = defaults;
        this.policy = defaults.policyOf(mapping);
        this.nodePort = mapping.nodePort();
        this.addresses = List.copyOf(addresses);
    }

    /** The addresses the node port is bound on. */
    List<InetAddress> addresses() {
        return addresses;
    }

    int nodePort() {
        return nodePort;
    }

    @Override
    public Mapping mapping() {
        return policy.mapping();
    }

    @Override
    public ConnectionPolicy policy() {
        return policy;
    }

    InetSocketAddress target() {
        return mapping().target();
    }

    void retarget(Mapping next) {
        this.policy = defaults.policyOf(next);
    }

    @Override
    public String admit(ConnectionPolicy p) {
        if (admitted.incrementAndGet() > p.maxConnections()) {
            admitted.decrementAndGet();
            return ConnectionPolicy.OVER_LIMIT;
        }
        if (!defaults.admit()) {
            admitted.decrementAndGet();
            return ConnectionPolicy.OVER_LIMIT;
        }
        return null;
    }

    @Override
    public void refused(String reason) {
        if (ConnectionPolicy.NOT_ALLOWED.equals(reason)) {
            refusedNotAllowed.increment();
        } else {
            refusedOverLimit.increment();
        }
    }

    @Override
    public void abandoned() {
        release();
    }

    private void release() {
        admitted.decrementAndGet();
        defaults.release();
    }

    /** Sets the sockets bound for the node port (listeners while serving, holds while not). */
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
    public void connected(long nanos) {
        connectLatency.record(nanos);
    }

    @Override
    public void connectFailed(ConnectFailure reason) {
        connectErrors[reason.ordinal()].increment();
    }

    @Override
    public void closed(RelayedConnection connection) {
        closedBytesUp.add(connection.bytesUp());
        closedBytesDown.add(connection.bytesDown());
        connections.remove(connection);
        release();
    }

    private static LongAdder[] newAdders(int n) {
        LongAdder[] out = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            out[i] = new LongAdder();
        }
        return out;
    }
}
