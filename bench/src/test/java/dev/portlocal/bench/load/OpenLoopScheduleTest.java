package dev.portlocal.bench.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenLoopScheduleTest {

    @Test
    void connectionsShareTheRateEvenlyStaggered() {
        // 1,000 req/s over 4 connections: each sends every 4 ms, starting 1 ms apart.
        OpenLoopSchedule c0 = OpenLoopSchedule.forConnection(0, 0, 4, 1_000);
        OpenLoopSchedule c3 = OpenLoopSchedule.forConnection(0, 3, 4, 1_000);
        assertEquals(0, c0.nextIntendedNanos());
        assertEquals(4_000_000, c0.nextIntendedNanos());
        assertEquals(3_000_000, c3.nextIntendedNanos());
        assertEquals(7_000_000, c3.nextIntendedNanos());
    }

    @Test
    void theScheduleDoesNotWaitForResponses() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(1_000, 10);
        assertEquals(1_000, schedule.nextIntendedNanos());
        assertEquals(1_010, schedule.nextIntendedNanos());
        assertEquals(1_020, schedule.nextIntendedNanos());
    }

    /**
     * A server that answers in 1 ms except for one 100 ms stall. Measured from the intended send times, every
     * request due during the stall is charged its wait; measured from the actual sends (as a closed loop would) the
     * stall is one slow sample among many fast ones. This is the coordinated-omission correction.
     */
    @Test
    void latencyFromIntendedTimeChargesAStallToEveryRequestDueDuringIt() {
        long interval = TimeUnit.MILLISECONDS.toNanos(2);
        long service = TimeUnit.MILLISECONDS.toNanos(1);
        long stall = TimeUnit.MILLISECONDS.toNanos(100);
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, interval);
        LatencyRecording corrected = new LatencyRecording();
        LatencyRecording naive = new LatencyRecording();
        long free = 0; // when the single connection can send again
        for (int i = 0; i < 1_000; i++) {
            long due = schedule.nextIntendedNanos();
            long sent = Math.max(due, free);
            long done = sent + (i == 100 ? stall : service);
            corrected.record(done - due);
            naive.record(done - sent);
            free = done;
        }
        Histogram c = corrected.interval();
        Histogram n = naive.interval();
        assertEquals(1_000, c.getTotalCount());
        // About 50 requests were due during the stall: more than 1% of the samples are slow when corrected.
        assertTrue(c.getValueAtPercentile(99) > TimeUnit.MILLISECONDS.toNanos(10), "corrected p99 " + c);
        assertTrue(n.getValueAtPercentile(99) < TimeUnit.MILLISECONDS.toNanos(2), "naive p99 " + n);
        assertEquals(stall, c.getMaxValue(), stall * 0.001);
    }

    @Test
    void rejectsNonPositiveRatesAndIntervals() {
        assertThrows(IllegalArgumentException.class, () -> OpenLoopSchedule.forConnection(0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 0));
    }
}
