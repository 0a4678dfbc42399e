package dev.portlocal.api;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/** A request that fails with {@code status} and the JSON body {@code error}. Thrown by plain code, never I/O. */
public final class ApiException extends RuntimeException {

    private final int status;
    private final ApiError error;
    private final Map<String, String> headers;

    public ApiException(int status, ApiError error) {
        this(status, error, Map.of());
    }

    /** With response headers, such as {@code Allow} for a 405. */
    public ApiException(int status, ApiError error, Map<String, String> headers) {
        super(requireNonNull(error, "error").error(), null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400-599)");
        }
        this.status = status;
        this.error = error;
        this.headers = Map.copyOf(requireNonNull(headers, "headers"));
    }

    public Map<String, String> headers() {
        return headers;
    }

    public int status() {
        return status;
    }

    public ApiError error() {
        return error;
    }
}
