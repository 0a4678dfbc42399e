package dev.portlocal.tcp;

import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket histogram of connect latencies: one {@link LongAdder} increment per connection, so loops never
 * contend on one cache line. Read by the metrics scrape.
 *
 * <p>Threading: {@link #record} from any loop; reads from any thread (each bucket is exact, the set of buckets is
 * not one atomic snapshot).
 */
public final class ConnectLatency {

    /** Upper bounds in seconds, {@code +Inf} excluded: 100 µs to 5 s. */
    public static final double[] BOUNDS_SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    /** One per bound, plus the last for {@code +Inf}; not cumulative. */
    private final LongAdder[] buckets = new LongAdder[BOUNDS_SECONDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    ConnectLatency() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void record(long nanos) {
        int i = 0;
        while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(nanos);
    }

    /** Counts per bucket, not cumulative; the last is above every bound. */
    public long[] counts() {
        long[] out = new long[buckets.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = buckets[i].sum();
        }
        return out;
    }

    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }
}
