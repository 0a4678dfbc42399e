package dev.portlocal.api;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * What bounds one API listener: the body size, the time a connection has to send each whole request (headers and
 * body, counted from the connect or from the last response, never restarted by a byte), and how many connections
 * it serves at once (past it, a new connection is closed at once).
 */
public record ApiLimits(int maxBodyBytes, Duration requestTimeout, int maxConnections) {

    /** 10 s for a whole request. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** 64 connections per listener. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    public static final ApiLimits DEFAULT = new ApiLimits(ApiServer.DEFAULT_MAX_BODY, DEFAULT_REQUEST_TIMEOUT,
            DEFAULT_MAX_CONNECTIONS);

    public ApiLimits {
        requireNonNull(requestTimeout, "requestTimeout");
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 1)");
        }
        if (requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("requestTimeout: " + requestTimeout + " (expected: > 0)");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
        }
    }

    public ApiLimits withMaxBodyBytes(int value) {
        return new ApiLimits(value, requestTimeout, maxConnections);
    }
}
