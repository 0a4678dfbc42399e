package dev.portlocal.proxy;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.Protocol;
import dev.portlocal.net.EventLoops;
import dev.portlocal.net.ProtocolPlane;
import dev.portlocal.tcp.TcpPlane;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.udp.UdpMapping;
import dev.portlocal.udp.UdpPlane;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The data plane: the {@link PortOpener} the control plane calls, dispatching each mapping to the
 * {@link ProtocolPlane} of its protocol. What every protocol shares is decided here once: a key already open on the
 * same node port only takes the new target, one open on another port is closed first, and a mapping binds the
 * listen addresses of its own family.
 *
 * <p>Threading: {@link PortOpener} methods are called from the control thread and block until listeners are bound
 * or closed.
 */
public final class DataPlane implements PortOpener, AutoCloseable {

    private final DataPlaneConfig config;
    private final TcpPlane tcp;
    private final UdpPlane udp;

    public DataPlane(EventLoops loops, DataPlaneConfig config) {
        this(loops, config, System::nanoTime);
    }

    /** {@code udpClock} drives UDP session expiry; tests pass a virtual clock. */
    public DataPlane(EventLoops loops, DataPlaneConfig config, LongSupplier udpClock) {
        this.config = config;
        this.tcp = new TcpPlane(loops, config.relay(), config.drainTimeout(), config.accessLog(), config.allowFrom(),
                config.maxConnections());
        this.udp = new UdpPlane(loops, config.udp(), udpClock, config.allowFrom());
    }

    private ProtocolPlane<?> plane(Protocol protocol) {
        return protocol == Protocol.UDP ? udp : tcp;
    }

    @Override
    public BindOutcome open(Mapping mapping) {
        ProtocolPlane<?> plane = plane(mapping.protocol());
        Mapping current = plane.current(mapping.key());
        if (current != null) {
            if (current.nodePort() == mapping.nodePort()) {
                plane.retarget(mapping);
                return BindOutcome.bound();
            }
            plane.close(current);
        }
        List<InetAddress> addresses = addressesOf(mapping.family());
        if (addresses.isEmpty()) {
            return BindOutcome.failed("no listen address of family " + mapping.family() + " (see --listen-address)");
        }
        return plane.open(mapping, addresses);
    }

    @Override
    public void retarget(Mapping mapping) {
        ProtocolPlane<?> plane = plane(mapping.protocol());
        Mapping current = plane.current(mapping.key());
        if (current == null || current.nodePort() != mapping.nodePort()) {
            throw new IllegalStateException("retarget: " + mapping + " (expected: an open mapping on that node port)");
        }
        plane.retarget(mapping);
    }

    @Override
    public void close(Mapping mapping) {
        plane(mapping.protocol()).close(mapping);
    }

    /**
     * Shutdown: stops accepting on every node port at once, lets connections finish for up to {@code timeout}, then
     * resets what is left. Blocks until done.
     */
    public void shutdown(Duration timeout) {
        udp.drain(timeout);
        tcp.drain(timeout);
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /** The TCP plane, for the metrics scrape. */
    public TcpPlane tcp() {
        return tcp;
    }

    /** The UDP plane, for the metrics scrape. */
    public UdpPlane udp() {
        return udp;
    }

    /** TCP connections relayed now, over every open and draining mapping. */
    public int activeConnections() {
        return tcp.activeConnections();
    }

    /** The relay's counters, summed over every loop. */
    public RelayStats relayStats() {
        return tcp.relayStats();
    }

    /** An open UDP mapping's counters and sessions, or null. */
    public UdpMapping udpMapping(MappingKey key) {
        return udp.mapping(key);
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
}
