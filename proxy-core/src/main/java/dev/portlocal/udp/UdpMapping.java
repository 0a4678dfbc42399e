package dev.portlocal.udp;

import dev.portlocal.model.Mapping;

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
    private volatile List<UdpListener> listeners = List.of();
    final UdpConfig config;
    final UdpCounters counters = new UdpCounters();

    UdpMapping(Mapping mapping, UdpConfig config) {
        this.mapping = mapping;
        this.config = config;
    }

    public Mapping mapping() {
        return mapping;
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
