package dev.portlocal.bench.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyRecordingTest {

    @Test
    void resetDropsTheWarmUpAndIntervalReturnsOnlyTheMeasurement() {
        LatencyRecording recording = new LatencyRecording();
        for (int i = 0; i < 100; i++) {
            recording.record(TimeUnit.SECONDS.toNanos(1)); // a slow warm-up
        }
        recording.reset();
        for (int i = 1; i <= 1000; i++) {
            recording.record(i * 1_000L); // 1 µs .. 1 ms, uniform
        }
        Histogram h = recording.interval();
        assertEquals(1000, h.getTotalCount());
        assertEquals(500_000, h.getValueAtPercentile(50), 500_000 * 0.001);
        assertEquals(990_000, h.getValueAtPercentile(99), 990_000 * 0.001);
        assertEquals(1_000_000, h.getMaxValue(), 1_000_000 * 0.001);
        assertEquals(0, recording.interval().getTotalCount(), "an interval starts empty after the previous one");
    }

    @Test
    void valuesOutOfRangeAreClampedNotLost() {
        LatencyRecording recording = new LatencyRecording();
        recording.record(-5);
        recording.record(Long.MAX_VALUE);
        Histogram h = recording.interval();
        assertEquals(2, h.getTotalCount());
        assertEquals(0, h.getMinValue());
        assertTrue(h.getMaxValue() >= LatencyRecording.HIGHEST_TRACKABLE_NANOS * 0.999);
    }

    @Test
    void recordsFromManyThreadsWithoutLoss() throws InterruptedException {
        LatencyRecording recording = new LatencyRecording();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 25_000; i++) {
                    recording.record(1_000);
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        assertEquals(100_000, recording.interval().getTotalCount());
    }
}
