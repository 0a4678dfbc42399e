package dev.portlocal.kubernetes;

import java.time.Duration;

/**
 * Exponential retry delays, as NodePortLocal retries a Pod: {@code min} after the first failure, doubling after
 * each further one, never more than {@code max}. Pure.
 */
public record Backoff(Duration min, Duration max) {

    /** NodePortLocal's per-Pod retry: 2 s, doubling, up to 120 s. */
    public static final Backoff NPL = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(120));

    public Backoff {
        if (min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("min: " + min + " (expected: more than 0)");
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: at least min " + min + ")");
        }
    }

    /** The delay before the next try after {@code failures} failures in a row (1 or more). */
    public Duration delay(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures: " + failures + " (expected: 1 or more)");
        }
        Duration delay = min;
        for (int i = 1; i < failures && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
