package dev.portlocal.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/** A response to write: a status, a JSON body, and headers beyond the content type and length. */
public record ApiResponse(int status, byte[] body, Map<String, String> headers) {

    public static final String JSON = "application/json; charset=utf-8";

    public ApiResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
        }
        requireNonNull(body, "body");
        headers = Map.copyOf(requireNonNull(headers, "headers"));
    }

    public ApiResponse(int status, byte[] body) {
        this(status, body, Map.of());
    }

    public ApiResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiResponse(status, body, copy);
    }

    /** The body as text, for tests and logs. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return status + " " + bodyText();
    }
}
