package dev.portlocal.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * One port of an endpoint to expose, for one protocol. {@code nodePort}, when present, pins the node port instead
 * of letting the allocator choose one; whether it lies inside the port range is checked by whoever knows the range.
 * {@code idleTimeout} overrides the daemon's idle timeout for this port's mappings: the UDP session idle timeout,
 * or the TCP connection idle timeout.
 * {@code healthCheck}, TCP only, checks the endpoint actively; while it is down the node port refuses connections
 * (see {@link HealthCheck}). UDP has no connect to check with: a UDP mapping follows its source's readiness only.
 * {@code proxyProtocol}, TCP only, makes every connection to the endpoint start with a PROXY protocol header of that
 * version carrying the client's address (see {@link ProxyProtocol}); UDP has no connection to start with one.
 * {@code policy} holds who may connect and how much ({@code allowFrom}, {@code maxConnections},
 * {@code connectTimeout}, {@code accessLog}; see {@link PortPolicy}).
 *
 * <p>The record owns its rules: it checks each value ({@link PortRange#checkPort}, {@link #checkIdleTimeout}) and
 * the rules that span two of them (a connect timeout only on tcp), and throws {@link FieldException} naming the
 * field. Readers of the mapping file and the API call the same checks per field, so that each value's problem is
 * reported where it was written.
 */
public record EndpointPort(int port, Protocol protocol, OptionalInt nodePort, Optional<Duration> idleTimeout,
                           Optional<HealthCheck> healthCheck, Optional<ProxyProtocol> proxyProtocol,
                           PortPolicy policy) {

    /** The longest per-port idle timeout accepted. */
    public static final Duration MAX_IDLE = Duration.ofHours(24);

    public EndpointPort {
        PortRange.checkPort("port", port);
        requireNonNull(protocol, "protocol");
        requireNonNull(nodePort, "nodePort");
        if (nodePort.isPresent()) {
            PortRange.checkPort("nodePort", nodePort.getAsInt());
        }
        requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isPresent()) {
            checkIdleTimeout(protocol, idleTimeout.get());
        }
        requireNonNull(healthCheck, "healthCheck");
        if (healthCheck.isPresent() && protocol != Protocol.TCP) {
            throw new FieldException("healthCheck", "{" + healthCheck.get() + "} (expected: only on tcp ports; a "
                    + protocol.wireName() + " mapping follows its source's readiness)");
        }
        requireNonNull(proxyProtocol, "proxyProtocol");
        if (proxyProtocol.isPresent() && protocol != Protocol.TCP) {
            throw new FieldException("proxyProtocol", proxyProtocol.get() + " (expected: only on tcp ports; the "
                    + "PROXY protocol header is not written on " + protocol.wireName() + ")");
        }
        requireNonNull(policy, "policy");
        policy.checkProtocol(protocol);
    }

    /** A port with the daemon's defaults for who may connect and how much. */
    public EndpointPort(int port, Protocol protocol, OptionalInt nodePort, Optional<Duration> idleTimeout,
                        Optional<HealthCheck> healthCheck, Optional<ProxyProtocol> proxyProtocol) {
        this(port, protocol, nodePort, idleTimeout, healthCheck, proxyProtocol, PortPolicy.NONE);
    }

    /** A port without a PROXY protocol header. */
    public EndpointPort(int port, Protocol protocol, OptionalInt nodePort, Optional<Duration> idleTimeout,
                        Optional<HealthCheck> healthCheck) {
        this(port, protocol, nodePort, idleTimeout, healthCheck, Optional.empty());
    }

    /** A port without a health check. */
    public EndpointPort(int port, Protocol protocol, OptionalInt nodePort, Optional<Duration> idleTimeout) {
        this(port, protocol, nodePort, idleTimeout, Optional.empty());
    }

    /**
     * A per-port idle timeout is more than 0 and at most 24 hours.
     *
     * @throws FieldException naming {@code field}, the value and what was expected
     */
    public static Duration checkIdleTimeout(String field, Duration d) {
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_IDLE) > 0) {
            throw new FieldException(field, Durations.format(d) + " (expected: more than 0, at most 24h)");
        }
        return d;
    }

    /**
     * The rule of a per-port idle timeout, on either protocol: its bounds.
     *
     * @throws FieldException naming {@code idleTimeout}, the value and what was expected
     */
    public static void checkIdleTimeout(Protocol protocol, Duration d) {
        requireNonNull(protocol, "protocol");
        checkIdleTimeout("idleTimeout", d);
    }

    /** A port with the default session idle timeout. */
    public EndpointPort(int port, Protocol protocol, OptionalInt nodePort) {
        this(port, protocol, nodePort, Optional.empty());
    }

    /** An unpinned port: the allocator chooses the node port. */
    public EndpointPort(int port, Protocol protocol) {
        this(port, protocol, OptionalInt.empty());
    }

    /** A port pinned to {@code nodePort}. */
    public static EndpointPort pinned(int port, Protocol protocol, int nodePort) {
        return new EndpointPort(port, protocol, OptionalInt.of(nodePort));
    }

    /** A builder with the defaults of an entry that gives only its port: tcp, no pin, no idle timeout. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects the values of an {@link EndpointPort} one field at a time, as a reader of a parsed tree meets them;
     * {@link #build} applies every rule. Each optional field of the record has one setter here, which is what a
     * reader's table of fields calls.
     *
     * <p>Not thread-safe; one build.
     */
    public static final class Builder {
        private int port;
        private Protocol protocol = Protocol.TCP;
        private OptionalInt nodePort = OptionalInt.empty();
        private Optional<Duration> idleTimeout = Optional.empty();
        private Optional<HealthCheck> healthCheck = Optional.empty();
        private Optional<ProxyProtocol> proxyProtocol = Optional.empty();
        private PortPolicy policy = PortPolicy.NONE;

        private Builder() {
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder protocol(Protocol protocol) {
            this.protocol = requireNonNull(protocol, "protocol");
            return this;
        }

        public Builder nodePort(int nodePort) {
            this.nodePort = OptionalInt.of(nodePort);
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Optional.of(idleTimeout);
            return this;
        }

        public Builder healthCheck(HealthCheck healthCheck) {
            this.healthCheck = Optional.of(healthCheck);
            return this;
        }

        public Builder proxyProtocol(ProxyProtocol proxyProtocol) {
            this.proxyProtocol = Optional.of(proxyProtocol);
            return this;
        }

        public Builder allowFrom(List<Cidr> allowFrom) {
            this.policy = policy.withAllowFrom(allowFrom);
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.policy = policy.withMaxConnections(maxConnections);
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.policy = policy.withConnectTimeout(connectTimeout);
            return this;
        }

        public Builder accessLog(boolean accessLog) {
            this.policy = policy.withAccessLog(accessLog);
            return this;
        }

        /**
         * The port, checked as the record checks it.
         *
         * @throws FieldException naming the field that breaks a rule ({@code port} if it was never set)
         */
        public EndpointPort build() {
            return new EndpointPort(port, protocol, nodePort, idleTimeout, healthCheck, proxyProtocol, policy);
        }
    }

    @Override
    public String toString() {
        return port + "/" + protocol.wireName() + (nodePort.isPresent() ? " nodePort " + nodePort.getAsInt() : "")
                + idleTimeout.map(d -> " idleTimeout " + Durations.format(d)).orElse("")
                + healthCheck.map(h -> " healthCheck {" + h + "}").orElse("")
                + proxyProtocol.map(p -> " proxyProtocol " + p).orElse("")
                + (policy.isEmpty() ? "" : " " + policy);
    }
}
