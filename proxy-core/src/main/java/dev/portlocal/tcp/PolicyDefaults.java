package dev.portlocal.tcp;

import dev.portlocal.model.Cidr;
import dev.portlocal.model.Mapping;
import dev.portlocal.tcp.relay.AccessLog;
import dev.portlocal.tcp.relay.ConnectionPolicy;
import dev.portlocal.tcp.relay.RelayConfig;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's defaults of every TCP mapping's policy, and its cap over all of them: the relay's timeouts, the
 * default {@code allowFrom}, whether the access log is on, and {@code maxConnections} for the whole daemon. The
 * daemon-wide count is kept only when there is a cap, so without one the accept touches no shared counter.
 *
 * <p>Thread-safe: {@link #admit} and {@link #release} from every loop, {@link #policyOf} from the control thread.
 */
final class PolicyDefaults {

    private final RelayConfig relay;
    private final List<Cidr> allowFrom;
    private final boolean accessLogDefault;
    private final AccessLog accessLog;
    private final int maxConnections;
    private final AtomicInteger connections;

    PolicyDefaults(RelayConfig relay, List<Cidr> allowFrom, boolean accessLogDefault, AccessLog accessLog,
                   int maxConnections) {
        this.relay = relay;
        this.allowFrom = List.copyOf(allowFrom);
        this.accessLogDefault = accessLogDefault;
        this.accessLog = accessLog;
        this.maxConnections = maxConnections;
        this.connections = maxConnections == Integer.MAX_VALUE ? null : new AtomicInteger();
    }

    /** The policy of {@code mapping}; starts the access log's writer if the mapping is the first to want it. */
    ConnectionPolicy policyOf(Mapping mapping) {
        ConnectionPolicy p = ConnectionPolicy.of(mapping, relay, allowFrom, accessLogDefault);
        if (p.accessLog()) {
            accessLog.ensureStarted();
        }
        return p;
    }

    /** Counts one connection against the daemon's cap; false (and not counted) past it. */
    boolean admit() {
        if (connections == null) {
            return true;
        }
        if (connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        if (connections != null) {
            connections.decrementAndGet();
        }
    }
}
