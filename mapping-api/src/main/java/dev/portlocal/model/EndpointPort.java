package dev.portlocal.model;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * One port of an endpoint to expose, for one protocol. {@code nodePort}, when present, pins the node port instead
 * of letting the allocator choose one; whether it lies inside the port range is checked by whoever knows the range.
 */
public record EndpointPort(int port, Protocol protocol, OptionalInt nodePort, Optional<Duration> idleTimeout) {

    public EndpointPort {
        PortRange.checkPort("port", port);
        requireNonNull(protocol, "protocol");
        requireNonNull(nodePort, "nodePort");
        if (nodePort.isPresent()) {
            PortRange.checkPort("nodePort", nodePort.getAsInt());
        }
        requireNonNull(idleTimeout, "idleTimeout");
        idleTimeout.ifPresent(d -> checkIdleTimeout(protocol, d));
    }

    /**
     * A per-port idle timeout applies to UDP sessions: more than 0, at most 24 hours, udp ports only.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static void checkIdleTimeout(Protocol protocol, Duration d) {
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_IDLE) > 0) {
            throw new IllegalArgumentException(
                    "idleTimeout: " + d.toSeconds() + "s (expected: more than 0, at most 24h)");
        }
        if (protocol != Protocol.UDP) {
            throw new IllegalArgumentException("idleTimeout: " + d.toSeconds() + "s (expected: only on udp ports)");
        }
    }

    /** The longest per-port UDP session idle timeout accepted. */
    public static final Duration MAX_IDLE = Duration.ofHours(24);

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

    @Override
    public String toString() {
        return port + "/" + protocol.wireName() + (nodePort.isPresent() ? " nodePort " + nodePort.getAsInt() : "")
                + idleTimeout.map(d -> " idleTimeout " + d.toSeconds() + "s").orElse("");
    }
}
