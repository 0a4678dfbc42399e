package dev.portlocal.proxy;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.Protocol;
import dev.portlocal.relay.LoopResources;
import dev.portlocal.relay.RelayStats;
import dev.portlocal.relay.RelayedConnection;
import dev.portlocal.relay.nio.NioAcceptHandler;
import dev.portlocal.udp.UdpListeners;
import dev.portlocal.udp.UdpMapping;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoEventLoop;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Socket;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The data plane: binds a node port for each open mapping and relays its connections. On epoll each mapping gets
 * one listening socket per event loop and listen address, with {@code SO_REUSEPORT}, so accepts spread over the
 * loops; on NIO, one listener per address.
 *
 * <p>Threading: {@link PortOpener} methods are called from the control thread and block until listeners are bound
 * or closed. Drains run on a loop's scheduler.
 */
public final class DataPlane implements PortOpener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    private static final int EADDRINUSE = 98;

    private final EventLoops loops;
    private final DataPlaneConfig config;
    private final List<LoopResources> loopResources = new ArrayList<>();
    private final Map<MappingKey, OpenMapping> open = new ConcurrentHashMap<>();
    private final Map<MappingKey, UdpMapping> openUdp = new ConcurrentHashMap<>();
    private final LongSupplier udpClock;
    private final Map<OpenMapping, Boolean> draining = new ConcurrentHashMap<>();
    /** The relay counters each loop last reported to {@link #metricsSnapshot}; scrape thread only. */
    private final Map<Integer, RelayStats> lastRelayStats = new HashMap<>();

    public DataPlane(EventLoops loops, DataPlaneConfig config) {
        this(loops, config, System::nanoTime);
    }

    /** {@code udpClock} drives UDP session expiry; tests pass a virtual clock. */
    public DataPlane(EventLoops loops, DataPlaneConfig config, LongSupplier udpClock) {
        this.loops = loops;
        this.config = config;
        this.udpClock = udpClock;
        ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        for (IoEventLoop loop : loops.loops()) {
            loopResources.add(new LoopResources(loop, config.relay(), allocator));
        }
    }

    /**
     * The data plane's counters for the metrics scrape. First reads what closed connections left in each mapping,
     * then runs a task on every loop that sums the bytes of the live connections it owns and reads its relay
     * counters, waiting at most {@code timeout} for all of them. A connection that closes between those two reads
     * is missed once; byte totals are therefore held at their last reported value so a counter never goes back.
     *
     * <p>Threading: any thread but an event loop; one at a time (the control thread). Never blocks longer than
     * {@code timeout}, even if a loop is stuck.
     */
    public synchronized DataPlaneSnapshot metricsSnapshot(Duration timeout) {
        List<OpenMapping> tcp = new ArrayList<>(open.values());
        long[][] closed = new long[tcp.size()][];
        for (int i = 0; i < closed.length; i++) {
            closed[i] = new long[] {tcp.get(i).closedBytesUp.sum(), tcp.get(i).closedBytesDown.sum()};
        }
        List<Future<long[][]>> live = new ArrayList<>();
        List<Future<RelayStats>> relay = new ArrayList<>();
        for (LoopResources r : loopResources) {
            if (r.loop().isShuttingDown()) {
                live.add(null);
                relay.add(null);
                continue;
            }
            live.add(r.loop().submit(() -> liveBytesOnThisLoop(tcp)));
            relay.add(r.loop().submit(r::snapshot));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean complete = true;
        long[][] liveSum = new long[tcp.size()][2];
        RelayStats relaySum = RelayStats.ZERO;
        for (int l = 0; l < loopResources.size(); l++) {
            long[][] bytes = await(live.get(l), deadline);
            RelayStats stats = await(relay.get(l), deadline);
            if (bytes == null || stats == null) {
                complete = false;
                stats = lastRelayStats.getOrDefault(l, RelayStats.ZERO);
            } else {
                lastRelayStats.put(l, stats);
                for (int i = 0; i < bytes.length; i++) {
                    liveSum[i][0] += bytes[i][0];
                    liveSum[i][1] += bytes[i][1];
                }
            }
            relaySum = relaySum.plus(stats);
        }
        List<DataPlaneSnapshot.Tcp> tcpOut = new ArrayList<>();
        for (int i = 0; i < tcp.size(); i++) {
            OpenMapping om = tcp.get(i);
            om.reportedBytesUp = Math.max(om.reportedBytesUp, closed[i][0] + liveSum[i][0]);
            om.reportedBytesDown = Math.max(om.reportedBytesDown, closed[i][1] + liveSum[i][1]);
            long[] errors = new long[om.connectErrors.length];
            for (int e = 0; e < errors.length; e++) {
                errors[e] = om.connectErrors[e].sum();
            }
            tcpOut.add(new DataPlaneSnapshot.Tcp(om.mapping(), om.connections().size(), om.connectionsTotal.sum(),
                    om.reportedBytesUp, om.reportedBytesDown, errors, om.connectLatency.counts(),
                    om.connectLatency.sumSeconds()));
        }
        List<DataPlaneSnapshot.Udp> udpOut = new ArrayList<>();
        for (UdpMapping um : openUdp.values()) {
            udpOut.add(new DataPlaneSnapshot.Udp(um.mapping(), um.counters()));
        }
        return new DataPlaneSnapshot(tcpOut, udpOut, relaySum, complete);
    }

    /** On a loop: the bytes of the live connections this loop owns, per mapping of {@code tcp}. */
    private static long[][] liveBytesOnThisLoop(List<OpenMapping> tcp) {
        long[][] out = new long[tcp.size()][2];
        for (int i = 0; i < out.length; i++) {
            for (RelayedConnection c : tcp.get(i).connections()) {
                if (c.inEventLoop()) {
                    out[i][0] += c.bytesUp();
                    out[i][1] += c.bytesDown();
                }
            }
        }
        return out;
    }

    private static <T> T await(Future<T> f, long deadlineNanos) {
        if (f == null) {
            return null;
        }
        long left = deadlineNanos - System.nanoTime();
        try {
            if (left <= 0 ? !f.isDone() : !f.await(left, TimeUnit.NANOSECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return f.isSuccess() ? f.getNow() : null;
    }

    /** The relay's counters, summed over every loop. */
    public RelayStats relayStats() {
        RelayStats sum = RelayStats.ZERO;
        for (LoopResources r : loopResources) {
            sum = sum.plus(r.snapshot());
        }
        return sum;
    }

    @Override
    public BindOutcome open(Mapping mapping) {
        if (mapping.protocol() == Protocol.UDP) {
            return openUdp(mapping);
        }
        OpenMapping existing = open.get(mapping.key());
        BindOutcome early = reuseOrPrepare(mapping, existing == null ? null : existing.mapping(),
                () -> existing.retarget(mapping));
        if (early != null) {
            return early;
        }
        List<InetAddress> addresses = addressesOf(mapping.family());
        OpenMapping om = new OpenMapping(mapping);
        List<AutoCloseable> listeners = new ArrayList<>();
        try {
            if (loops.transport() == Transport.EPOLL) {
                bindEpoll(om, addresses, listeners);
            } else {
                bindNio(om, addresses, listeners);
            }
        } catch (Exception e) {
            closeAll(listeners);
            return outcomeOf(mapping, e);
        }
        om.listeners(listeners);
        open.put(mapping.key(), om);
        log.atInfo().setMessage("listener_bound")
                .addKeyValue("endpoint", mapping.key().endpoint())
                .addKeyValue("port", mapping.key().port())
                .addKeyValue("protocol", mapping.protocol())
                .addKeyValue("target", Addresses.format(mapping.target()))
                .addKeyValue("nodePort", mapping.nodePort())
                .addKeyValue("listeners", listeners.size())
                .log();
        return BindOutcome.bound();
    }

    @Override
    public void retarget(Mapping mapping) {
        if (mapping.protocol() == Protocol.UDP) {
            UdpMapping um = openUdp.get(mapping.key());
            if (um == null || um.nodePort() != mapping.nodePort()) {
                throw new IllegalStateException("retarget: " + mapping
                        + " (expected: an open mapping on that node port)");
            }
            um.retarget(mapping);
            return;
        }
        OpenMapping om = open.get(mapping.key());
        if (om == null || om.nodePort() != mapping.nodePort()) {
            throw new IllegalStateException("retarget: " + mapping + " (expected: an open mapping on that node port)");
        }
        om.retarget(mapping);
    }

    @Override
    public void close(Mapping mapping) {
        if (mapping.protocol() == Protocol.UDP) {
            UdpMapping um = openUdp.remove(mapping.key());
            if (um != null) {
                um.close();
                log.atInfo().setMessage("listener_closed")
                        .addKeyValue("endpoint", mapping.key().endpoint())
                        .addKeyValue("port", mapping.key().port())
                        .addKeyValue("protocol", "udp")
                        .addKeyValue("nodePort", um.nodePort())
                        .log();
            }
            return;
        }
        OpenMapping om = open.remove(mapping.key());
        if (om == null) {
            return;
        }
        closeAll(om.listeners());
        log.atInfo().setMessage("listener_closed")
                .addKeyValue("endpoint", mapping.key().endpoint())
                .addKeyValue("port", mapping.key().port())
                .addKeyValue("protocol", mapping.protocol())
                .addKeyValue("nodePort", om.nodePort())
                .addKeyValue("draining", om.connections().size())
                .log();
        drain(om, config.drainTimeout());
    }

    /** Connections relayed now, over every open and draining mapping. */
    public int activeConnections() {
        int n = 0;
        for (OpenMapping om : open.values()) {
            n += om.connections().size();
        }
        for (OpenMapping om : draining.keySet()) {
            n += om.connections().size();
        }
        return n;
    }

    /** Total connections accepted for an open mapping, or -1 when it is not open. */
    public long connectionsTotal(MappingKey key) {
        OpenMapping om = open.get(key);
        return om == null ? -1 : om.connectionsTotal.sum();
    }

    /**
     * Shutdown: stops accepting on every node port at once, lets connections finish for up to {@code timeout}, then
     * resets what is left. Blocks until done.
     */
    public void shutdown(Duration timeout) {
        for (UdpMapping um : openUdp.values()) {
            um.close();
        }
        openUdp.clear();
        List<OpenMapping> all = new ArrayList<>(open.values());
        open.clear();
        for (OpenMapping om : all) {
            closeAll(om.listeners());
            draining.put(om, Boolean.TRUE);
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
        for (OpenMapping om : all) {
            forceCloseAll(om);
            draining.remove(om);
        }
        for (LoopResources r : loopResources) {
            r.close();
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /** An open UDP mapping's counters and sessions, or null. */
    public UdpMapping udpMapping(MappingKey key) {
        return openUdp.get(key);
    }

    private BindOutcome openUdp(Mapping mapping) {
        UdpMapping existing = openUdp.get(mapping.key());
        BindOutcome early = reuseOrPrepare(mapping, existing == null ? null : existing.mapping(),
                () -> existing.retarget(mapping));
        if (early != null) {
            return early;
        }
        List<InetAddress> addresses = addressesOf(mapping.family());
        UdpMapping um = new UdpMapping(mapping, config.udp());
        try {
            int n = UdpListeners.bind(um, loops, addresses, udpClock);
            openUdp.put(mapping.key(), um);
            log.atInfo().setMessage("listener_bound")
                    .addKeyValue("endpoint", mapping.key().endpoint())
                    .addKeyValue("port", mapping.key().port())
                    .addKeyValue("protocol", "udp")
                    .addKeyValue("target", Addresses.format(mapping.target()))
                    .addKeyValue("nodePort", mapping.nodePort())
                    .addKeyValue("listeners", n)
                    .log();
            return BindOutcome.bound();
        } catch (Exception e) {
            um.close();
            return outcomeOf(mapping, e);
        }
    }

    private void drain(OpenMapping om, Duration timeout) {
        if (om.connections().isEmpty()) {
            return;
        }
        draining.put(om, Boolean.TRUE);
        loops.loops().get(0).schedule(() -> {
            forceCloseAll(om);
            draining.remove(om);
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void forceCloseAll(OpenMapping om) {
        for (RelayedConnection c : om.connections()) {
            c.forceClose();
        }
    }

    /**
     * The first steps of {@code open}, TCP and UDP alike: a key already open on the same node port only takes the new
     * target (returns BOUND); one open on another port is closed first. Returns FAILED when no listen address has
     * the mapping's family, else null: go on and bind.
     */
    private BindOutcome reuseOrPrepare(Mapping mapping, Mapping current, Runnable retarget) {
        if (current != null) {
            if (current.nodePort() == mapping.nodePort()) {
                retarget.run();
                return BindOutcome.bound();
            }
            close(current);
        }
        if (addressesOf(mapping.family()).isEmpty()) {
            return BindOutcome.failed("no listen address of family " + mapping.family() + " (see --listen-address)");
        }
        return null;
    }

    private List<InetAddress> addressesOf(IpFamily family) {
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : config.listenAddresses()) {
            if (IpFamily.of(a) == family) {
                out.add(a);
            }
        }
        return out;
    }

    private void bindEpoll(OpenMapping om, List<InetAddress> addresses, List<AutoCloseable> listeners)
            throws Exception {
        int port = om.nodePort();
        for (InetAddress address : addresses) {
            ListenSockets.probe(ListenSockets.stream(address), address, port);
        }
        List<EpollListener> bound = new ArrayList<>();
        for (InetAddress address : addresses) {
            for (LoopResources resources : loopResources) {
                Socket s = ListenSockets.stream(address);
                try {
                    s.setReusePort(true);
                    s.setTcpNoDelay(true); // inherited by every accepted socket: one setsockopt fewer per connection
                    s.bind(new InetSocketAddress(address, port));
                    s.listen(NetUtil.SOMAXCONN);
                } catch (IOException | RuntimeException e) {
                    s.close();
                    throw e;
                }
                EpollListener l = new EpollListener(s, resources, om);
                bound.add(l);
                listeners.add(l::closeSync);
            }
        }
        for (EpollListener l : bound) {
            l.startSync();
        }
    }

    private void bindNio(OpenMapping om, List<InetAddress> addresses, List<AutoCloseable> listeners) {
        for (InetAddress address : addresses) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(loops.group())
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new NioAcceptHandler(om, om::target, config.relay()));
                        }
                    });
            Channel ch = b.bind(address, om.nodePort()).syncUninterruptibly().channel();
            listeners.add(() -> ch.close().syncUninterruptibly());
        }
    }

    private static BindOutcome outcomeOf(Mapping mapping, Exception e) {
        String where = "nodePort " + mapping.nodePort();
        if (e instanceof Errors.NativeIoException
                && ((Errors.NativeIoException) e).expectedErr() == -EADDRINUSE) {
            return BindOutcome.inUse(where + " is in use by another process");
        }
        if (e instanceof BindException && String.valueOf(e.getMessage()).contains("in use")) {
            return BindOutcome.inUse(where + " is in use by another process");
        }
        return BindOutcome.failed(where + ": " + e.getMessage());
    }

    private static void closeAll(List<AutoCloseable> listeners) {
        for (AutoCloseable c : listeners) {
            try {
                c.close();
            } catch (Exception e) {
                log.atWarn().setMessage("listener_close_failed").addKeyValue("error", e.getMessage()).log();
            }
        }
    }
}
