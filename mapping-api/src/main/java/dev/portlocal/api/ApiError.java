package dev.portlocal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import static java.util.Objects.requireNonNull;

/**
 * The body of every error response: {@code {"error": "...", "field": "...", "value": ...}}. {@code field} names
 * what was wrong ({@code ports[0].nodePort}, {@code name}, {@code body}, ...) and {@code value} repeats it as sent,
 * as JSON; both are {@code null} when no single field is at fault.
 */
@JsonPropertyOrder({"error", "field", "value"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ApiError(@JsonProperty("error") String error, @JsonProperty("field") String field,
                       @JsonProperty("value") JsonNode value) {

    public ApiError {
        requireNonNull(error, "error");
        value = value == null ? NullNode.getInstance() : value;
    }

    public static ApiError of(String error) {
        return new ApiError(error, null, null);
    }

    public static ApiError of(String error, String field, JsonNode value) {
        return new ApiError(error, field, value);
    }

    public static ApiError of(String error, String field, String value) {
        return new ApiError(error, field, value == null ? null : TextNode.valueOf(value));
    }
}
