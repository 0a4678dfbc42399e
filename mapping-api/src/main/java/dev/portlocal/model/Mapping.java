package dev.portlocal.model;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A resolved mapping: node port {@code nodePort} forwards to {@code target}. This is what the data plane is asked
 * to open. {@code idleTimeout}, when present, overrides the daemon's idle timeout for this mapping (UDP sessions,
 * TCP connections).
 * {@code ready} is the endpoint's readiness ({@link Endpoint#ready()}); a change of it reaches the data plane as
 * a {@code retarget} with the same target. {@code proxyProtocol}, TCP only, is the PROXY protocol header each new
 * connection writes to the endpoint first; a change of it reaches the data plane as a {@code retarget} too, and
 * applies to connections accepted after it. {@code policy} is who may connect and how much ({@link PortPolicy});
 * a change of it is a {@code retarget} too.
 */
public record Mapping(MappingKey key, InetSocketAddress target, int nodePort, Optional<Duration> idleTimeout,
                      boolean ready, Optional<ProxyProtocol> proxyProtocol, PortPolicy policy) {

    public Mapping(MappingKey key, InetSocketAddress target, int nodePort) {
        this(key, target, nodePort, Optional.empty());
    }

    /** A mapping of a ready endpoint. */
    public Mapping(MappingKey key, InetSocketAddress target, int nodePort, Optional<Duration> idleTimeout) {
        this(key, target, nodePort, idleTimeout, true);
    }

    /** A mapping without a PROXY protocol header. */
    public Mapping(MappingKey key, InetSocketAddress target, int nodePort, Optional<Duration> idleTimeout,
                   boolean ready) {
        this(key, target, nodePort, idleTimeout, ready, Optional.empty());
    }

    /** A mapping with the daemon's defaults for who may connect and how much. */
    public Mapping(MappingKey key, InetSocketAddress target, int nodePort, Optional<Duration> idleTimeout,
                   boolean ready, Optional<ProxyProtocol> proxyProtocol) {
        this(key, target, nodePort, idleTimeout, ready, proxyProtocol, PortPolicy.NONE);
    }

    public Mapping {
        requireNonNull(key, "key");
        requireNonNull(target, "target");
        if (target.isUnresolved()) {
            throw new IllegalArgumentException("target: " + target + " (expected: a resolved IP address)");
        }
        if (target.getPort() != key.port()) {
            throw new IllegalArgumentException(
                    "target: " + target + " (expected: port " + key.port() + " of " + key + ")");
        }
        if (IpFamily.of(target.getAddress()) != key.family()) {
            throw new IllegalArgumentException(
                    "target: " + target + " (expected: an " + key.family() + " address for " + key + ")");
        }
        PortRange.checkPort("nodePort", nodePort);
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(proxyProtocol, "proxyProtocol");
        if (proxyProtocol.isPresent() && key.protocol() != Protocol.TCP) {
            throw new IllegalArgumentException("proxyProtocol: " + proxyProtocol.get() + " (expected: only on tcp)");
        }
        requireNonNull(policy, "policy");
        policy.checkProtocol(key.protocol());
    }

    /** The same mapping with another policy. */
    public Mapping withPolicy(PortPolicy next) {
        return new Mapping(key, target, nodePort, idleTimeout, ready, proxyProtocol, next);
    }

    public Protocol protocol() {
        return key.protocol();
    }

    public IpFamily family() {
        return key.family();
    }

    @Override
    public String toString() {
        return key + " -> " + Addresses.format(target) + " on nodePort " + nodePort;
    }
}
