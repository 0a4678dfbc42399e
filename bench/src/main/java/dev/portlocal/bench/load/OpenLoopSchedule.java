package dev.portlocal.bench.load;

/**
 * The intended send times of one connection in an open-loop (fixed-rate) run: {@code first}, {@code first +
 * interval}, {@code first + 2 * interval}, ... regardless of when responses arrive. Latency is measured from the
 * intended time, so a stalled response is charged to every request that should have been sent meanwhile: the
 * correction for coordinated omission that wrk2 makes.
 *
 * <p>Not thread-safe: one per connection, used on its event loop.
 */
public final class OpenLoopSchedule {

    private final long intervalNanos;
    private long next;

    public OpenLoopSchedule(long firstNanos, long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos: " + intervalNanos + " (expected: > 0)");
        }
        this.next = firstNanos;
        this.intervalNanos = intervalNanos;
    }

    /**
     * The schedule for connection {@code index} of {@code connections} sharing {@code ratePerSecond} requests per
     * second: each sends every {@code connections / rate} seconds, staggered so the total is evenly spread.
     */
    public static OpenLoopSchedule forConnection(long startNanos, int index, int connections, double ratePerSecond) {
        if (ratePerSecond <= 0) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: > 0)");
        }
        double globalInterval = 1e9 / ratePerSecond;
        return new OpenLoopSchedule(startNanos + Math.round(index * globalInterval),
                Math.max(1, Math.round(globalInterval * connections)));
    }

    /** The intended time of the next request; each call moves the schedule on by one interval. */
    public long nextIntendedNanos() {
        long intended = next;
        next += intervalNanos;
        return intended;
    }
}
