package dev.portlocal.model;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * An active check of a TCP endpoint, as a load balancer's {@code check inter rise fall}: every {@code interval} a
 * TCP connect to the endpoint, which fails if it is refused or takes longer than {@code timeout}; {@code fall}
 * failures in a row take the endpoint down (its node port refuses), {@code rise} successes in a row bring it back.
 * Written {@code healthCheck: {interval: 2s, timeout: 1s, rise: 2, fall: 2}} on a port entry, every key optional
 * with those defaults.
 *
 * <p>The record owns its rules and throws {@link FieldException} naming the field.
 */
public record HealthCheck(Duration interval, Duration timeout, int rise, int fall) {

    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    public static final int MAX_COUNT = 100;
    public static final String INTERVAL_EXPECTED = "a duration from 100ms to 1h";
    public static final String COUNT_EXPECTED = "an integer, 1-" + MAX_COUNT;
    /** {@code healthCheck: {}}: every default. */
    public static final HealthCheck DEFAULT = new HealthCheck(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 2);

    public HealthCheck {
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
        checkInterval("interval", interval);
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(interval) > 0) {
            throw new FieldException("timeout", Durations.format(timeout) + " (expected: more than 0, at most the "
                    + "interval, " + Durations.format(interval) + ")");
        }
        checkCount("rise", rise);
        checkCount("fall", fall);
    }

    /** @throws FieldException naming {@code field} unless {@code d} is from 100 ms to 1 h */
    public static Duration checkInterval(String field, Duration d) {
        if (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
            throw new FieldException(field, Durations.format(d) + " (expected: " + INTERVAL_EXPECTED + ")");
        }
        return d;
    }

    /** @throws FieldException naming {@code field} unless {@code n} is 1-100 */
    public static int checkCount(String field, long n) {
        if (n < 1 || n > MAX_COUNT) {
            throw new FieldException(field, n + " (expected: " + COUNT_EXPECTED + ")");
        }
        return (int) n;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the fields one at a time, as a reader meets them; {@link #build} applies the rules. */
    public static final class Builder {
        private Duration interval = DEFAULT.interval;
        private Duration timeout;
        private int rise = DEFAULT.rise;
        private int fall = DEFAULT.fall;

        private Builder() {
        }

        public Builder interval(Duration value) {
            this.interval = requireNonNull(value, "interval");
            return this;
        }

        public Builder timeout(Duration value) {
            this.timeout = requireNonNull(value, "timeout");
            return this;
        }

        public Builder rise(int value) {
            this.rise = value;
            return this;
        }

        public Builder fall(int value) {
            this.fall = value;
            return this;
        }

        /** The check; without a timeout, the default (1 s) or the interval if that is shorter. */
        public HealthCheck build() {
            Duration t = timeout != null ? timeout
                    : DEFAULT.timeout.compareTo(interval) <= 0 ? DEFAULT.timeout : interval;
            return new HealthCheck(interval, t, rise, fall);
        }
    }

    @Override
    public String toString() {
        return "interval " + Durations.format(interval) + " timeout " + Durations.format(timeout) + " rise " + rise
                + " fall " + fall;
    }
}
