package dev.portlocal.tcp;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.net.BindFailures;
import dev.portlocal.net.EventLoops;
import dev.portlocal.net.ListenerLog;
import dev.portlocal.net.ProtocolPlane;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.relay.AccessLog;
import dev.portlocal.tcp.relay.LoopResources;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.tcp.relay.RelayedConnection;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * TCP node ports: binds each open mapping's listeners (see {@link TcpListeners}), relays its connections, and on
 * removal drains them for the drain timeout before it resets what is left.
 *
 * <p>A mapping listens only while its endpoint can answer ({@link Mapping#ready()}: ready and, with a health
 * check, passing it). While it cannot, its port is held without a listener, so a connect through the node port is
 * refused as one to the endpoint would be, and a load balancer's TCP health check through it fails. Connections
 * already relayed go on either way: the endpoint decides their fate.
 *
 * <p>Threading: the {@link ProtocolPlane} methods run on the control thread; drains end on a loop's scheduler.
 */
public final class TcpPlane implements ProtocolPlane<TcpSnapshot> {

    private static final Logger log = LoggerFactory.getLogger(TcpPlane.class);

    private final EventLoops loops;
    private final Duration drainTimeout;
    private final AccessLog accessLog;
    private final PolicyDefaults defaults;
    private final List<LoopResources> loopResources = new ArrayList<>();
    private final TcpListeners listeners;
    private final Map<MappingKey, TcpMapping> open = new ConcurrentHashMap<>();
    private final Map<TcpMapping, Boolean> draining = new ConcurrentHashMap<>();

    public TcpPlane(EventLoops loops, RelayConfig relay, Duration drainTimeout) {
        this(loops, relay, drainTimeout, false);
    }

    /** With {@code accessLog}, one line per connection when it ends (see {@link AccessLog}). */
    public TcpPlane(EventLoops loops, RelayConfig relay, Duration drainTimeout, boolean accessLog) {
        this(loops, relay, drainTimeout, accessLog, List.of(), Integer.MAX_VALUE);
    }

    /**
     * With the daemon's defaults of every mapping's policy: {@code accessLog} for the ports without one of their
     * own (a port's {@code accessLog: true} starts the writer too), {@code allowFrom} for the ports without one
     * (empty: everyone), and {@code maxConnections} over every mapping ({@link Integer#MAX_VALUE}: no cap).
     */
    public TcpPlane(EventLoops loops, RelayConfig relay, Duration drainTimeout, boolean accessLog,
                    List<Cidr> allowFrom, int maxConnections) {
        this.loops = loops;
        this.drainTimeout = drainTimeout;
        this.accessLog = accessLog ? AccessLog.start() : AccessLog.onDemand();
        this.defaults = new PolicyDefaults(relay, allowFrom, accessLog, this.accessLog, maxConnections);
        for (IoEventLoop loop : loops.loops()) {
            loopResources.add(new LoopResources(loop, relay, PooledByteBufAllocator.DEFAULT, this.accessLog));
        }
        this.listeners = TcpListeners.forTransport(loops, loopResources, relay, this.accessLog);
    }

    @Override
    public Mapping current(MappingKey key) {
        TcpMapping m = open.get(key);
        return m == null ? null : m.mapping();
    }

    @Override
    public BindOutcome open(Mapping mapping, List<InetAddress> addresses) {
        TcpMapping m = new TcpMapping(mapping, addresses, defaults);
        List<AutoCloseable> bound;
        try {
            bound = mapping.ready()
                    ? listeners.bind(m, addresses, true)
                    : listeners.hold(mapping.nodePort(), addresses, true);
        } catch (Exception e) {
            return BindFailures.outcomeOf(mapping.nodePort(), e);
        }
        m.listeners(bound);
        open.put(mapping.key(), m);
        ListenerLog.bound(log, mapping, bound.size());
        if (!mapping.ready()) {
            logServing(mapping, false);
        }
        return BindOutcome.bound();
    }

    @Override
    public void retarget(Mapping mapping) {
        TcpMapping m = open.get(mapping.key());
        boolean serving = m.mapping().ready();
        m.retarget(mapping);
        if (serving != mapping.ready()) {
            serve(m, mapping.ready());
        }
    }

    /**
     * Starts or stops listening on an open mapping's port. The new sockets are bound before the old ones close, so
     * the port is never free; if they cannot be bound (nothing else can bind beside the mapping's own sockets, so
     * this is not expected), the mapping stays as it was and the failure is logged.
     */
    private void serve(TcpMapping m, boolean listen) {
        List<AutoCloseable> next;
        try {
            next = listen
                    ? listeners.bind(m, m.addresses(), false)
                    : listeners.hold(m.nodePort(), m.addresses(), false);
        } catch (Exception e) {
            log.atError().setMessage("listener_switch_failed")
                    .addKeyValue("nodePort", m.nodePort())
                    .addKeyValue("listen", listen)
                    .addKeyValue("error", String.valueOf(e.getMessage()))
                    .log();
            return;
        }
        List<AutoCloseable> old = m.listeners();
        m.listeners(next);
        closeAll(old);
        logServing(m.mapping(), listen);
    }

    private static void logServing(Mapping mapping, boolean listen) {
        log.atInfo().setMessage(listen ? "listener_resumed" : "listener_held")
                .addKeyValue("key", mapping.key())
                .addKeyValue("nodePort", mapping.nodePort())
                .addKeyValue("target", mapping.target())
                .log();
    }

    @Override
    public void close(Mapping mapping) {
        TcpMapping m = open.remove(mapping.key());
        if (m == null) {
            return;
        }
        closeAll(m.listeners());
        ListenerLog.closed(log, mapping, m.nodePort(), m.connections().size());
        if (m.connections().isEmpty()) {
            return;
        }
        draining.put(m, Boolean.TRUE);
        loops.loops().get(0).schedule(() -> {
            forceCloseAll(m);
            draining.remove(m);
        }, drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void drain(Duration timeout) {
        List<TcpMapping> all = new ArrayList<>(open.values());
        open.clear();
        for (TcpMapping m : all) {
            closeAll(m.listeners());
            draining.put(m, Boolean.TRUE);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (activeConnections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (TcpMapping m : all) {
            forceCloseAll(m);
            draining.remove(m);
        }
        for (LoopResources r : loopResources) {
            r.close();
        }
        accessLog.close();
    }

    /** The access log (disabled unless asked for): its written and dropped counts. */
    public AccessLog accessLog() {
        return accessLog;
    }

    @Override
    public TcpSnapshot snapshot(Duration timeout) {
        // Draining mappings too, while they carry a connection: a removed mapping's series stay until its last ends.
        List<TcpMapping> all = new ArrayList<>(open.values());
        for (TcpMapping m : draining.keySet()) {
            if (!m.connections().isEmpty()) {
                all.add(m);
            }
        }
        return LoopSampler.sample(all, loopResources, timeout);
    }

    /** Connections relayed now, over every open and draining mapping. */
    public int activeConnections() {
        int n = 0;
        for (TcpMapping m : open.values()) {
            n += m.connections().size();
        }
        for (TcpMapping m : draining.keySet()) {
            n += m.connections().size();
        }
        return n;
    }

    /** The relay's counters, summed over every loop; blocks briefly on each. */
    public RelayStats relayStats() {
        RelayStats sum = RelayStats.ZERO;
        for (LoopResources r : loopResources) {
            sum = sum.plus(r.snapshot());
        }
        return sum;
    }

    private static void forceCloseAll(TcpMapping m) {
        for (RelayedConnection c : m.connections()) {
            c.forceClose();
        }
    }

    static void closeAll(List<AutoCloseable> closers) {
        for (AutoCloseable c : closers) {
            try {
                c.close();
            } catch (Exception e) {
                log.atWarn().setMessage("listener_close_failed").addKeyValue("error", e.getMessage()).log();
            }
        }
    }
}
