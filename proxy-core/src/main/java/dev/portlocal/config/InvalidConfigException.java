package dev.portlocal.config;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A configuration that cannot be used, with every problem found: one line each, naming where it stands (the flag,
 * or the config file and the key) and the value, e.g. {@code /etc/portlocal/config.yaml: drainTimeout: 3 s
 * (expected: a duration such as 500ms, 30s, 5m, 1h)}.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    public InvalidConfigException(List<String> errors) {
        super(String.join("\n", requireNonNull(errors, "errors")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("errors: [] (expected: at least one error)");
        }
        this.errors = List.copyOf(errors);
    }

    /** The errors of {@code e}: its lines if it is one of these, else its message. */
    public static List<String> errorsOf(IllegalArgumentException e) {
        return e instanceof InvalidConfigException invalid ? invalid.errors() : List.of(String.valueOf(e.getMessage()));
    }

    /** One line per problem, in the order found. */
    public List<String> errors() {
        return errors;
    }
}
