package dev.portlocal.bench.load;

import java.time.Duration;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * The timing of one measurement: a warm-up whose results are dropped, then the measured interval, bracketed by two
 * samples of the target's CPU time (the proxy's utime+stime, or -1 when there is no proxy to charge).
 */
public record Window(Duration warmup, Duration measure, LongSupplier cpuNanos) {

    public Window {
        requireNonNull(warmup, "warmup");
        requireNonNull(measure, "measure");
        requireNonNull(cpuNanos, "cpuNanos");
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        if (measure.isNegative() || measure.isZero()) {
            throw new IllegalArgumentException("measure: " + measure + " (expected: > 0)");
        }
    }

    /** What a measured interval took: wall seconds and the target's CPU seconds (NaN if unknown). */
    public record Measured(double seconds, double cpuSeconds) {
    }

    /**
     * Sleeps through the warm-up, runs {@code atStart}, sleeps through the measurement, runs {@code atEnd}. Both
     * callbacks run on the calling thread and should only take snapshots.
     */
    public Measured run(Runnable atStart, Runnable atEnd) throws InterruptedException {
        Thread.sleep(warmup.toMillis());
        long cpu0 = cpuNanos.getAsLong();
        long t0 = System.nanoTime();
        atStart.run();
        Thread.sleep(measure.toMillis());
        atEnd.run();
        long t1 = System.nanoTime();
        long cpu1 = cpuNanos.getAsLong();
        double cpuSeconds = cpu0 < 0 || cpu1 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e9;
        return new Measured((t1 - t0) / 1e9, cpuSeconds);
    }
}
