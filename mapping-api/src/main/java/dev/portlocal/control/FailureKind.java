package dev.portlocal.control;

import dev.portlocal.model.MappingState;

import java.util.Locale;
import java.util.Optional;

/**
 * Why a desired mapping does not listen, or why {@link MappingService#put} changed nothing. Callers act on the
 * kind (the API chooses its status from it, the metrics their label), never on a message's words.
 */
public enum FailureKind {
    /** The endpoint's target is one the target policy refuses: link-local, outside allowedTargets, the daemon. */
    TARGET_REFUSED(MappingState.ERROR, null),
    /** The endpoint's name belongs to another source, as an endpoint of the mapping file does for the API. */
    OWNED_BY_OTHER_SOURCE(MappingState.ERROR, null),
    /** A pinned node port outside the port range. */
    PIN_OUT_OF_RANGE(MappingState.ERROR, AllocationFailures.OUT_OF_RANGE),
    /** A pinned node port that another mapping holds, or pins. */
    PIN_HELD(MappingState.CONFLICT, AllocationFailures.PINNED_CONFLICT),
    /** A pinned node port that another process holds. */
    PIN_IN_USE(MappingState.CONFLICT, AllocationFailures.IN_USE),
    /** No port left in the range for a mapping without a pin. */
    NO_FREE_PORT(MappingState.ERROR, AllocationFailures.NO_FREE_PORT),
    /** A bind that failed otherwise: a permission, or no listen address of the mapping's family, say. */
    BIND_FAILED(MappingState.ERROR, AllocationFailures.BIND_FAILED);

    private final MappingState state;
    private final String allocationLabel;

    FailureKind(MappingState state, String allocationLabel) {
        this.state = state;
        this.allocationLabel = allocationLabel;
    }

    /** The state a desired mapping that fails so is in: {@link MappingState#CONFLICT} when another holds its pin. */
    public MappingState state() {
        return state;
    }

    /** The {@code reason} label of {@code portlocal_allocation_failures_total}; empty if not about a port. */
    public Optional<String> allocationLabel() {
        return Optional.ofNullable(allocationLabel);
    }

    /** The kind as logs show it: {@code pin_in_use}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
