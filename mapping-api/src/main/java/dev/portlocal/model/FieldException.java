package dev.portlocal.model;

import static java.util.Objects.requireNonNull;

/**
 * A value that breaks a rule of the model, naming the field it is in: the message is
 * {@code field: value (expected: ...)}. {@link #field()} is the path from whatever was being checked, such as
 * {@code nodePort} for a port or {@code ports[1].nodePort} for an endpoint, so that a reader of a parsed tree can
 * point at the value where it was written.
 */
public final class FieldException extends IllegalArgumentException {

    private final String field;
    private final String detail;

    /** {@code detail} is what follows {@code field: } in the message: the value, then what was expected. */
    public FieldException(String field, String detail) {
        super(requireNonNull(field, "field") + ": " + requireNonNull(detail, "detail"));
        this.field = field;
        this.detail = detail;
    }

    /** The path of the field in what was being checked; never empty. */
    public String field() {
        return field;
    }

    /** The message without the field: {@code 70000 (expected: 1-65535)}. */
    public String detail() {
        return detail;
    }
}
