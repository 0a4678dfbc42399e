package dev.portlocal.model;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * A snapshot of one desired mapping. {@code nodePort} is the held port when the state
 * {@linkplain MappingState#holdsPort() holds one}, else the pinned port if there is one. {@code message} is empty
 * when listening and says why otherwise. {@code ready} is the endpoint's readiness as its source declared it;
 * {@code healthCheck} is the mapping's active check, if it has one; {@code idleTimeout}, {@code policy} and
 * {@code proxyProtocol} are the port's own (absent: the daemon's defaults; no header).
 */
public record MappingStatus(MappingKey key, Source source, InetSocketAddress target, OptionalInt nodePort,
                            MappingState state, String message, boolean ready, Optional<HealthCheck> healthCheck,
                            Optional<Duration> idleTimeout, PortPolicy policy, Optional<ProxyProtocol> proxyProtocol) {

    /** The status of a mapping without a PROXY protocol header. */
    public MappingStatus(MappingKey key, Source source, InetSocketAddress target, OptionalInt nodePort,
                         MappingState state, String message, boolean ready, Optional<HealthCheck> healthCheck,
                         Optional<Duration> idleTimeout, PortPolicy policy) {
        this(key, source, target, nodePort, state, message, ready, healthCheck, idleTimeout, policy,
                Optional.empty());
    }

    /** The status of a mapping without an idle timeout or policy of its own. */
    public MappingStatus(MappingKey key, Source source, InetSocketAddress target, OptionalInt nodePort,
                         MappingState state, String message, boolean ready, Optional<HealthCheck> healthCheck) {
        this(key, source, target, nodePort, state, message, ready, healthCheck, Optional.empty(), PortPolicy.NONE);
    }

    /** The status of a mapping without a health check. */
    public MappingStatus(MappingKey key, Source source, InetSocketAddress target, OptionalInt nodePort,
                         MappingState state, String message, boolean ready) {
        this(key, source, target, nodePort, state, message, ready, Optional.empty());
    }

    /** The status of a mapping of a ready endpoint. */
    public MappingStatus(MappingKey key, Source source, InetSocketAddress target, OptionalInt nodePort,
                         MappingState state, String message) {
        this(key, source, target, nodePort, state, message, true);
    }

    public MappingStatus {
        requireNonNull(key, "key");
        requireNonNull(source, "source");
        requireNonNull(target, "target");
        requireNonNull(nodePort, "nodePort");
        requireNonNull(state, "state");
        requireNonNull(message, "message");
        requireNonNull(proxyProtocol, "proxyProtocol");
        if (state.holdsPort() && nodePort.isEmpty()) {
            throw new IllegalArgumentException("nodePort: empty (expected: the bound port of a " + state
                    + " mapping)");
        }
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(policy, "policy");
    }

    /** True if the node port accepts connections now. */
    public boolean isListening() {
        return state == MappingState.LISTENING;
    }

    /** True if the mapping holds its node port, accepting or not: what annotations publish, so ports never flap. */
    public boolean holdsPort() {
        return state.holdsPort();
    }
}
