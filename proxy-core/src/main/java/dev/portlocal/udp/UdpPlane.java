package dev.portlocal.udp;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.net.BindFailures;
import dev.portlocal.net.EventLoops;
import dev.portlocal.net.IoTransport;
import dev.portlocal.net.ListenerLog;
import dev.portlocal.net.ProtocolPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * UDP node ports: binds each open mapping's datagram listeners (see {@link UdpListeners}) and forwards its
 * sessions. UDP has nothing to drain: closing a mapping ends its sessions at once.
 *
 * <p>Threading: the {@link ProtocolPlane} methods run on the control thread; listeners and sessions live on their
 * event loops.
 */
public final class UdpPlane implements ProtocolPlane<UdpSnapshot> {

    private static final Logger log = LoggerFactory.getLogger(UdpPlane.class);

    private final EventLoops loops;
    /** The transport, read once: epoll binds one listener per loop, NIO one per address. */
    private final boolean epoll;
    private final UdpConfig config;
    private final LongSupplier clock;
    private final List<Cidr> allowFrom;
    private final Map<MappingKey, UdpMapping> open = new ConcurrentHashMap<>();

    /** {@code clock} drives session expiry; tests pass a virtual clock. */
    public UdpPlane(EventLoops loops, UdpConfig config, LongSupplier clock) {
        this(loops, config, clock, List.of());
    }

    /** {@code allowFrom}: the client blocks of every mapping without its own; empty, everyone. */
    public UdpPlane(EventLoops loops, UdpConfig config, LongSupplier clock, List<Cidr> allowFrom) {
        this.allowFrom = List.copyOf(allowFrom);
        this.loops = loops;
        this.epoll = loops.transport() == IoTransport.EPOLL;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public Mapping current(MappingKey key) {
        UdpMapping m = open.get(key);
        return m == null ? null : m.mapping();
    }

    @Override
    public BindOutcome open(Mapping mapping, List<InetAddress> addresses) {
        UdpMapping m = new UdpMapping(mapping, config, allowFrom);
        try {
            int n = UdpListeners.bind(m, loops, epoll, addresses, clock);
            open.put(mapping.key(), m);
            ListenerLog.bound(log, mapping, n);
            return BindOutcome.bound();
        } catch (Exception e) {
            m.close();
            return BindFailures.outcomeOf(mapping.nodePort(), e);
        }
    }

    @Override
    public void retarget(Mapping mapping) {
        open.get(mapping.key()).retarget(mapping);
    }

    @Override
    public void close(Mapping mapping) {
        UdpMapping m = open.remove(mapping.key());
        if (m == null) {
            return;
        }
        m.close();
        ListenerLog.closed(log, mapping, m.nodePort(), -1);
    }

    /** Ends every mapping's sessions at once: a datagram has no stream to finish, so {@code timeout} is unused. */
    @Override
    public void drain(Duration timeout) {
        for (UdpMapping m : open.values()) {
            m.close();
        }
        open.clear();
    }

    @Override
    public UdpSnapshot snapshot(Duration timeout) {
        List<UdpSnapshot.Entry> out = new ArrayList<>();
        for (UdpMapping m : open.values()) {
            out.add(new UdpSnapshot.Entry(m.mapping(), m.counters()));
        }
        return new UdpSnapshot(out);
    }

    /** An open mapping's counters and sessions, or null. */
    public UdpMapping mapping(MappingKey key) {
        return open.get(key);
    }
}
