package dev.portlocal.state;

import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.Source;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One persisted assignment: mapping {@code key} held {@code nodePort}. The source, the target IP, whether the port
 * was pinned, the idle timeout, the health check, the PROXY protocol version and the port's policy
 * ({@link PortPolicy}: allowFrom, maxConnections, connectTimeout, accessLog) are kept too, so that
 * endpoints created through the API can be recreated after a restart as they were. A file written before a field
 * existed loads without it (absent).
 */
public record StateEntry(MappingKey key, Source source, InetAddress ip, int nodePort, boolean pinned,
                         Optional<Duration> idleTimeout, Optional<HealthCheck> healthCheck,
                         Optional<ProxyProtocol> proxyProtocol, PortPolicy policy) {

    /** An entry with the default session idle timeout. */
    public StateEntry(MappingKey key, Source source, InetAddress ip, int nodePort, boolean pinned) {
        this(key, source, ip, nodePort, pinned, Optional.empty());
    }

    /** An entry without a health check. */
    public StateEntry(MappingKey key, Source source, InetAddress ip, int nodePort, boolean pinned,
                      Optional<Duration> idleTimeout) {
        this(key, source, ip, nodePort, pinned, idleTimeout, Optional.empty());
    }

    /** An entry without a PROXY protocol header. */
    public StateEntry(MappingKey key, Source source, InetAddress ip, int nodePort, boolean pinned,
                      Optional<Duration> idleTimeout, Optional<HealthCheck> healthCheck) {
        this(key, source, ip, nodePort, pinned, idleTimeout, healthCheck, Optional.empty());
    }

    /** An entry with the daemon's defaults for who may connect and how much. */
    public StateEntry(MappingKey key, Source source, InetAddress ip, int nodePort, boolean pinned,
                      Optional<Duration> idleTimeout, Optional<HealthCheck> healthCheck,
                      Optional<ProxyProtocol> proxyProtocol) {
        this(key, source, ip, nodePort, pinned, idleTimeout, healthCheck, proxyProtocol, PortPolicy.NONE);
    }

    public StateEntry {
        requireNonNull(key, "key");
        requireNonNull(source, "source");
        requireNonNull(ip, "ip");
        if (IpFamily.of(ip) != key.family()) {
            throw new IllegalArgumentException("ip: " + ip.getHostAddress() + " (expected: an " + key.family()
                    + " address for " + key + ")");
        }
        if (nodePort < 1 || nodePort > 65535) {
            throw new IllegalArgumentException("nodePort: " + nodePort + " (expected: 1-65535)");
        }
        requireNonNull(idleTimeout, "idleTimeout");
        idleTimeout.ifPresent(d -> EndpointPort.checkIdleTimeout(key.protocol(), d));
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(proxyProtocol, "proxyProtocol");
        if (proxyProtocol.isPresent() && key.protocol() != Protocol.TCP) {
            throw new IllegalArgumentException("proxyProtocol: " + proxyProtocol.get() + " (expected: only on tcp)");
        }
        requireNonNull(policy, "policy");
        policy.checkProtocol(key.protocol());
    }
}
