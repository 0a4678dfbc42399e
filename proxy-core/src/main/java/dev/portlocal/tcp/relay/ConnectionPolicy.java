package dev.portlocal.tcp.relay;

import dev.portlocal.model.Cidr;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.net.AddressMatcher;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What the accept path of one TCP mapping applies to each new connection, worked out once per change of the mapping
 * (not per connection): the mapping itself, who may connect ({@code allowFrom} as a precomputed matcher, null for
 * everyone), how many at once, the connect and idle timeouts and whether the access log has a line for it. Each
 * value is the port's own ({@link PortPolicy}, {@link Mapping#idleTimeout()}) or else the daemon's default.
 *
 * <p>Immutable and thread-safe; read with one volatile read per accept.
 */
public final class ConnectionPolicy {

    /** Why a connection was refused at the accept, as the access log and the metrics name it. */
    public static final String NOT_ALLOWED = "not_allowed";
    public static final String OVER_LIMIT = "over_limit";

    private final Mapping mapping;
    private final AddressMatcher allow;
    private final int maxConnections;
    private final long connectTimeoutNanos;
    private final long idleTimeoutNanos;
    private final boolean accessLog;

    private ConnectionPolicy(Mapping mapping, AddressMatcher allow, int maxConnections, Duration connectTimeout,
                             Duration idleTimeout, boolean accessLog) {
        this.mapping = mapping;
        this.allow = allow;
        this.maxConnections = maxConnections;
        this.connectTimeoutNanos = connectTimeout.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.accessLog = accessLog;
    }

    /**
     * The policy of {@code mapping}: each field of its own, else the default ({@code relay}'s timeouts,
     * {@code allowFrom}, {@code accessLog}; no per-mapping cap).
     */
    public static ConnectionPolicy of(Mapping mapping, RelayConfig relay, List<Cidr> allowFrom, boolean accessLog) {
        requireNonNull(mapping, "mapping");
        PortPolicy p = mapping.policy();
        return new ConnectionPolicy(mapping, AddressMatcher.of(p.allowFromOr(allowFrom)),
                p.maxConnections().orElse(Integer.MAX_VALUE),
                p.connectTimeout().orElse(relay.connectTimeout()),
                mapping.idleTimeout().orElse(relay.idleTimeout()),
                p.accessLog().orElse(accessLog));
    }

    public Mapping mapping() {
        return mapping;
    }

    /** True if a client at the address Netty's {@code accept(byte[])} wrote to {@code scratch} may connect. */
    public boolean allowsAccepted(byte[] scratch) {
        return allow == null || allow.matchesAccepted(scratch);
    }

    /** True if a client at {@code client} may connect. */
    public boolean allows(InetAddress client) {
        return allow == null || allow.matches(client);
    }

    /** Connections of the mapping at once; {@link Integer#MAX_VALUE} for no cap of its own. */
    public int maxConnections() {
        return maxConnections;
    }

    public long connectTimeoutNanos() {
        return connectTimeoutNanos;
    }

    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** Whether connections of this mapping are written to the access log. */
    public boolean accessLog() {
        return accessLog;
    }

    /** Whether {@code log} gets a line for this mapping's connections: the policy wants one and the log is on. */
    boolean logsTo(AccessLog log) {
        return accessLog && log.enabled();
    }
}
