package dev.portlocal.reader;

import com.fasterxml.jackson.databind.JsonNode;

import static java.util.Objects.requireNonNull;

/**
 * One problem found reading a tree. {@code field} is the path from the object read ({@code ports[1].nodePort}),
 * or empty for the object itself; {@code value} is the value as written (a missing node when absent);
 * {@code message} is {@code field: value (expected: ...)}, without the {@code field: } part when the field is
 * empty, so that the caller can put its own location in front (a file entry, or {@code body} for the API).
 */
public record Problem(String field, JsonNode value, String message) {

    public Problem {
        requireNonNull(field, "field");
        requireNonNull(value, "value");
        requireNonNull(message, "message");
    }
}
