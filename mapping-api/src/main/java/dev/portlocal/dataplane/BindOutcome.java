package dev.portlocal.dataplane;

import static java.util.Objects.requireNonNull;

/** What happened when the data plane tried to bind a node port. */
public record BindOutcome(Status status, String detail) {

    public enum Status {
        /** Listening now. */
        BOUND,
        /** Another process (or another socket) holds the port: try another one, or report a conflict if pinned. */
        IN_USE,
        /** Any other failure, such as a permission error or an invalid listen address. */
        FAILED
    }

    private static final BindOutcome BOUND_OUTCOME = new BindOutcome(Status.BOUND, "");

    public BindOutcome {
        requireNonNull(status, "status");
        requireNonNull(detail, "detail");
    }

    public static BindOutcome bound() {
        return BOUND_OUTCOME;
    }

    public static BindOutcome inUse(String detail) {
        return new BindOutcome(Status.IN_USE, detail);
    }

    public static BindOutcome failed(String detail) {
        return new BindOutcome(Status.FAILED, detail);
    }

    public boolean isBound() {
        return status == Status.BOUND;
    }
}
