package dev.portlocal.file;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A mapping file that cannot be used, with every problem found. Each error names the file, the entry and the field
 * with its value, e.g. {@code endpoints.yaml: endpoints[1] (shop/web): ports[0].nodePort: 70000 (expected: ...)}.
 */
public final class MappingFileException extends Exception {

    private final List<String> errors;

    public MappingFileException(List<String> errors) {
        super(String.join("\n", requireNonNull(errors, "errors")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("errors: [] (expected: at least one error)");
        }
        this.errors = List.copyOf(errors);
    }

    /** One line per problem, in file order. */
    public List<String> errors() {
        return errors;
    }
}
