package dev.portlocal.model;

import java.net.InetSocketAddress;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * A snapshot of one desired mapping. {@code nodePort} is the bound port when {@link MappingState#LISTENING}, else
 * the pinned port if there is one. {@code message} is empty when listening and says why otherwise. {@code ready}
 * is the endpoint's readiness as its source declared it.
 */
public record MappingStatus(MappingKey key, Source source, InetSocketAddress target, OptionalInt nodePort,
                            MappingState state, String message, boolean ready) {

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
        if (state == MappingState.LISTENING && nodePort.isEmpty()) {
            throw new IllegalArgumentException("nodePort: empty (expected: the bound port of a listening mapping)");
        }
    }

    public boolean isListening() {
        return state == MappingState.LISTENING;
    }
}
