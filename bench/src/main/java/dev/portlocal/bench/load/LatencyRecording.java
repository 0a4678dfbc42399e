package dev.portlocal.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;

/**
 * Latencies in nanoseconds, recorded from any event loop into one HdrHistogram {@link Recorder}, read by the harness
 * thread in intervals: call {@link #reset()} when the warm-up ends and {@link #interval()} when the measurement
 * ends. Values above {@link #HIGHEST_TRACKABLE_NANOS} are clamped to it rather than lost.
 */
public final class LatencyRecording {

    public static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Recorder recorder = new Recorder(1, HIGHEST_TRACKABLE_NANOS, 3);

    /** Wait-free; callable from any thread. Negative values (clock steps) are recorded as 0. */
    public void record(long latencyNanos) {
        recorder.recordValue(Math.max(0, Math.min(latencyNanos, HIGHEST_TRACKABLE_NANOS)));
    }

    /** Drops what was recorded so far (the warm-up). */
    public void reset() {
        recorder.getIntervalHistogram();
    }

    /** What was recorded since the last reset or interval, as a fresh histogram the caller owns. */
    public Histogram interval() {
        return recorder.getIntervalHistogram();
    }

    /** An empty histogram with the same range and precision, for merging intervals. */
    public static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_TRACKABLE_NANOS, 3);
    }
}
