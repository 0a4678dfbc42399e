package dev.portlocal.relay;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The relay's knobs.
 *
 * @param connectTimeout how long to wait for the endpoint to accept; then the client is reset
 * @param idleTimeout    a connection with no bytes in either direction for this long is closed
 * @param bufferSize     the copy conduit's buffer, per direction, held only while bytes wait in it
 */
public record RelayConfig(Duration connectTimeout, Duration idleTimeout, int bufferSize) {

    public static final RelayConfig DEFAULT =
            new RelayConfig(Duration.ofSeconds(3), Duration.ofHours(1), 128 * 1024);

    public RelayConfig {
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
        }
        if (bufferSize < 4096 || bufferSize > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: 4096-16777216)");
        }
    }

    public RelayConfig withConnectTimeout(Duration value) {
        return new RelayConfig(value, idleTimeout, bufferSize);
    }

    public RelayConfig withIdleTimeout(Duration value) {
        return new RelayConfig(connectTimeout, value, bufferSize);
    }
}
