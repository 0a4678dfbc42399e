package dev.portlocal.control;

import dev.portlocal.model.MappingKey;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Why {@link MappingService#put} did not put an endpoint: the kind, the mapping it is about (empty when it is about
 * the endpoint as a whole, as ownership is), and a message for people, such as
 * {@code nodePort 61005 is in use by another process}. Nothing changed when a put is refused.
 */
public record Refusal(FailureKind kind, Optional<MappingKey> key, String message) {

    public Refusal {
        requireNonNull(kind, "kind");
        requireNonNull(key, "key");
        requireNonNull(message, "message");
    }

    static Refusal of(FailureKind kind, MappingKey key, String message) {
        return new Refusal(kind, Optional.of(key), message);
    }
}
