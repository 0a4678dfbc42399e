package dev.portlocal.control;

import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What one reconciliation did. {@code added} are mappings that started listening (new ones, ones that recovered,
 * and ones moved to a new pinned port); {@code retargeted} kept their node port and got a new target;
 * {@code unchanged} kept listening untouched; {@code failed} are desired mappings that are not listening, with why.
 */
public record ApplyResult(List<MappingKey> added, List<MappingKey> removed, List<MappingKey> retargeted,
                          List<MappingKey> unchanged, List<Failure> failed) {

    /** A desired mapping that is not listening: {@link MappingState#CONFLICT} or {@link MappingState#ERROR}. */
    public record Failure(MappingKey key, MappingState state, String message) {
        public Failure {
            requireNonNull(key, "key");
            requireNonNull(state, "state");
            requireNonNull(message, "message");
        }
    }

    public ApplyResult {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        retargeted = List.copyOf(retargeted);
        unchanged = List.copyOf(unchanged);
        failed = List.copyOf(failed);
    }

    /** True if every desired mapping is listening. */
    public boolean ok() {
        return failed.isEmpty();
    }
}
