package dev.portlocal.bench.load;

import java.time.Duration;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * The timing of one measurement: a warm-up whose results are dropped, then the measured interval, bracketed by two
 * samples of the target's CPU time (the proxy's utime+stime, or -1 when there is no proxy to charge) and two of the
 * whole machine's busy CPU time (or -1 when the run does not read it).
 */
public record Window(Duration warmup, Duration measure, LongSupplier cpuNanos, LongSupplier machineCpuNanos) {

    public Window {
        requireNonNull(warmup, "warmup");
        requireNonNull(measure, "measure");
        requireNonNull(cpuNanos, "cpuNanos");
        requireNonNull(machineCpuNanos, "machineCpuNanos");
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        if (measure.isNegative() || measure.isZero()) {
            throw new IllegalArgumentException("measure: " + measure + " (expected: > 0)");
        }
    }

    /** Without the machine's CPU. */
    public Window(Duration warmup, Duration measure, LongSupplier cpuNanos) {
        this(warmup, measure, cpuNanos, () -> -1);
    }

    /**
     * What a measured interval took: wall seconds, the target's CPU seconds and the machine's busy CPU seconds (NaN
     * where unknown).
     */
    public record Measured(double seconds, double cpuSeconds, double machineCpuSeconds) {

        public Measured(double seconds, double cpuSeconds) {
            this(seconds, cpuSeconds, Double.NaN);
        }
    }

    /**
     * Sleeps through the warm-up, runs {@code atStart}, sleeps through the measurement, runs {@code atEnd}. Both
     * callbacks run on the calling thread and should only take snapshots.
     */
    public Measured run(Runnable atStart, Runnable atEnd) throws InterruptedException {
        Thread.sleep(warmup.toMillis());
        long cpu0 = cpuNanos.getAsLong();
        long machine0 = machineCpuNanos.getAsLong();
        long t0 = System.nanoTime();
        atStart.run();
        Thread.sleep(measure.toMillis());
        atEnd.run();
        long t1 = System.nanoTime();
        long machine1 = machineCpuNanos.getAsLong();
        long cpu1 = cpuNanos.getAsLong();
        return new Measured((t1 - t0) / 1e9, seconds(cpu0, cpu1), seconds(machine0, machine1));
    }

    private static double seconds(long from, long to) {
        return from < 0 || to < 0 ? Double.NaN : (to - from) / 1e9;
    }
}
