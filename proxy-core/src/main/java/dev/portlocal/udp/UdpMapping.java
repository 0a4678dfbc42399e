package dev.portlocal.udp;

import dev.portlocal.model.Cidr;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.net.AddressMatcher;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The data plane's view of one open UDP mapping: its listeners (one per loop and address), where new sessions go,
 * and its counters.
 *
 * <p>Threading: the target is written by the control thread and read on every loop when a session starts.
 */
public final class UdpMapping {

    private volatile Mapping mapping;
    /** The mapping's allowFrom, else the daemon's; null for everyone. Written with {@link #mapping}. */
    private volatile AddressMatcher allow;
    /** Sessions at once: the mapping's maxConnections, at most the daemon's cap per mapping. */
    private volatile int maxSessions;
    private volatile List<UdpListener> listeners = List.of();
    private final List<Cidr> defaultAllowFrom;
    final UdpConfig config;
    final UdpCounters counters = new UdpCounters();

    UdpMapping(Mapping mapping, UdpConfig config) {
        this(mapping, config, List.of());
    }

    UdpMapping(Mapping mapping, UdpConfig config, List<Cidr> defaultAllowFrom) {
        this.config = config;
        this.defaultAllowFrom = List.copyOf(defaultAllowFrom);
        retarget(mapping);
    }

    public Mapping mapping() {
        return mapping;
    }

    /** True if a new session of {@code client} may start; checked once per session, at its first datagram. */
    boolean allows(InetAddress client) {
        AddressMatcher a = allow;
        return a == null || a.matches(client);
    }

    int maxSessions() {
        return maxSessions;
    }

    public int nodePort() {
        return mapping.nodePort();
    }

    InetSocketAddress target() {
        return mapping.target();
    }

    /** The session idle timeout: the mapping's own, else the daemon's. Read by each sweep, so a change applies. */
    long idleNanos() {
        return mapping.idleTimeout().orElse(config.idleTimeout()).toNanos();
    }

    void retarget(Mapping next) {
        PortPolicy p = next.policy();
        this.allow = AddressMatcher.of(p.allowFromOr(defaultAllowFrom));
        this.maxSessions = Math.min(config.maxSessions(), p.maxConnections().orElse(Integer.MAX_VALUE));
        this.mapping = next;
    }

    public UdpCounters counters() {
        return counters;
    }

    void listeners(List<UdpListener> list) {
        this.listeners = List.copyOf(list);
    }

    /** Closes every listener and ends every session; blocks until done on each loop. */
    void close() {
        for (UdpListener l : listeners) {
            l.closeSync();
        }
    }

    /** Runs an expiry sweep on every listener now, on its loop; for tests on virtual time. */
    public void sweepNow() {
        for (UdpListener l : listeners) {
            l.sweepSync();
        }
    }
}
