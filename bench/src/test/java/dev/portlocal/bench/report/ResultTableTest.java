package dev.portlocal.bench.report;

import dev.portlocal.bench.report.Metric.Better;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultTableTest {

    static final Metric RPS = new Metric("ka.rate", "Keep-alive", "requests", "req/s", Better.HIGHER, 0);
    static final Metric P99 = new Metric("ka.p99", "Keep-alive", "p99", "ms", Better.LOWER, 3);

    static ResultTable threeRounds() {
        ResultTable t = new ResultTable();
        t.addTarget("direct", TargetKind.DIRECT);
        t.addTarget("portlocal", TargetKind.PORTLOCAL);
        t.addTarget("haproxy", TargetKind.PEER);
        t.addTarget("nginx", TargetKind.PEER);
        double[][] rps = { // direct, portlocal, haproxy, nginx per round
            {100, 50, 40, 45},
            {200, 60, 70, 50},   // a fast round for everyone but portlocal
            {100, 55, 42, 44},
        };
        double[][] p99 = {
            {0.3, 1.0, 1.5, 1.2},
            {0.2, 1.1, 1.0, 1.3},
            {0.3, 0.9, 1.4, 1.1},
        };
        String[] names = {"direct", "portlocal", "haproxy", "nginx"};
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < names.length; i++) {
                t.add(names[i], RPS, r + 1, rps[r][i]);
                t.add(names[i], P99, r + 1, p99[r][i]);
            }
        }
        return t;
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(OptionalDouble.of(2), ResultTable.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(OptionalDouble.of(2.5), ResultTable.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertEquals(OptionalDouble.empty(), ResultTable.median(List.of()));
    }

    @Test
    void ratiosAreTakenWithinARoundThenTheMedian() {
        ResultTable t = threeRounds();
        assertEquals(55, t.median("portlocal", "ka.rate").getAsDouble());
        // Per round: 0.5, 0.3, 0.55 -> 0.5. The ratio of medians (55/100) would hide the slow round.
        assertEquals(0.5, t.ratioToDirect("portlocal", "ka.rate").getAsDouble(), 1e-9);
        assertEquals(1.0, t.ratioToDirect("direct", "ka.rate").getAsDouble(), 1e-9);
    }

    @Test
    void bestPeerFollowsTheMetricsDirection() {
        ResultTable t = threeRounds();
        // Throughput, best peer per round: 45, 70, 44 -> ratios 1.111, 0.857, 1.25 -> median 1.111.
        assertEquals(50.0 / 45, t.ratioToBestPeer("portlocal", "ka.rate").getAsDouble(), 1e-9);
        // Latency, best (lowest) peer per round: 1.2, 1.0, 1.1 -> ratios 0.833, 1.1, 0.818 -> median 0.833.
        assertEquals(1.0 / 1.2, t.ratioToBestPeer("portlocal", "ka.p99").getAsDouble(), 1e-9);
        // The best peer compared with the peers: 1.0 in the rounds it wins.
        assertEquals(1.0, t.ratioToBestPeer("nginx", "ka.rate").getAsDouble(), 1e-9);
    }

    @Test
    void notMeasurableValuesAreLeftOut() {
        ResultTable t = threeRounds();
        Metric cpu = new Metric("ka.cpu", "Keep-alive", "proxy CPU", "µs/req", Better.LOWER, 1);
        t.add("direct", cpu, 1, Double.NaN);
        assertEquals(List.of(), t.values("direct", "ka.cpu"));
        assertEquals(OptionalDouble.empty(), t.ratioToDirect("portlocal", "ka.cpu"));
    }

    @Test
    void rejectsUnknownTargetsAndConflictingDeclarations() {
        ResultTable t = threeRounds();
        assertThrows(IllegalArgumentException.class, () -> t.add("envoy", RPS, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> t.addTarget("nginx", TargetKind.PORTLOCAL));
        Metric other = new Metric("ka.rate", "Keep-alive", "requests", "req/s", Better.LOWER, 0);
        assertThrows(IllegalArgumentException.class, () -> t.add("nginx", other, 1, 1));
    }

    @Test
    void ratiosToTheKernelAndDifferencesToDirectAreTakenWithinARound() {
        ResultTable t = new ResultTable();
        t.addTarget("direct", TargetKind.DIRECT);
        t.addTarget("kernel-dnat", TargetKind.KERNEL);
        t.addTarget("portlocal", TargetKind.PORTLOCAL);
        Metric cpu = new Metric("ka.machine_cpu", "Keep-alive", "machine CPU", "µs per request", Better.LOWER, 2);
        Metric added = new Metric("ka.added_cpu", "Keep-alive", "CPU added over direct", "µs per request",
                Better.LOWER, 2);
        double[][] values = {{10, 12, 20}, {20, 21, 40}, {10, 13, 24}}; // direct, kernel, portlocal per round
        String[] names = {"direct", "kernel-dnat", "portlocal"};
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < 3; i++) {
                t.add(names[i], cpu, r + 1, values[r][i]);
            }
        }
        assertTrue(t.has(TargetKind.KERNEL));
        // portlocal / kernel per round: 20/12, 40/21, 24/13; the median is 24/13.
        assertEquals(24.0 / 13, t.ratioToKernel("portlocal", cpu.id()).getAsDouble(), 1e-9);
        t.addDifferenceTo(TargetKind.DIRECT, cpu.id(), added);
        assertEquals(List.of(2.0, 1.0, 3.0), t.values("kernel-dnat", added.id()));
        assertEquals(List.of(10.0, 20.0, 14.0), t.values("portlocal", added.id()));
        assertEquals(List.of(), t.values("direct", added.id()), "direct is the baseline, not a row");
        // A negative difference (noise) has no ratio: kernel 2, 1, 3 against portlocal 10, 20, 14 is fine, -1 is not.
        assertEquals(5.0, t.ratioToKernel("portlocal", added.id()).getAsDouble(), 1e-9);
        t.add("portlocal", added, 4, -1.0);
        t.add("kernel-dnat", added, 4, 2.0);
        assertEquals(5.0, t.ratioToKernel("portlocal", added.id()).getAsDouble(), 1e-9);
        assertEquals(OptionalDouble.empty(), threeRounds().ratioToKernel("portlocal", RPS.id()));
    }
}
