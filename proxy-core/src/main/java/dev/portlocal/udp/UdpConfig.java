package dev.portlocal.udp;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * UDP session knobs.
 *
 * @param idleTimeout  a session with no datagram either way for this long is closed (Envoy's default: 60 s)
 * @param maxSessions  sessions per mapping; past it new clients' datagrams are dropped and counted
 * @param sweepEvery   how often each loop sweeps its sessions for expiry
 */
public record UdpConfig(Duration idleTimeout, int maxSessions, Duration sweepEvery) {

    public static final UdpConfig DEFAULT = new UdpConfig(Duration.ofSeconds(60), 16_384, Duration.ofSeconds(1));

    public UdpConfig {
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(sweepEvery, "sweepEvery");
        if (idleTimeout.isZero() || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("udp idleTimeout: " + idleTimeout + " (expected: > 0)");
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("udp maxSessions: " + maxSessions + " (expected: >= 1)");
        }
        if (sweepEvery.isZero() || sweepEvery.isNegative()) {
            throw new IllegalArgumentException("udp sweepEvery: " + sweepEvery + " (expected: > 0)");
        }
    }

    public UdpConfig withIdleTimeout(Duration value) {
        return new UdpConfig(value, maxSessions, sweepEvery);
    }

    public UdpConfig withMaxSessions(int value) {
        return new UdpConfig(idleTimeout, value, sweepEvery);
    }
}
