package dev.portlocal.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarkdownReportTest {

    private static final MarkdownReport.RunInfo QUICK = new MarkdownReport.RunInfo("bench/run.sh --quick",
            "2026-11-25T09:00:00", true, List.of("Machine: test"), List.of("nginx was skipped: not installed"));

    @Test
    void rendersMediansRatiosAndEveryRun() {
        String md = MarkdownReport.render(QUICK, ResultTableTest.threeRounds(), List.of(), Map.of());
        assertTrue(md.contains("- Command: `bench/run.sh --quick`"), md);
        assertTrue(md.contains("**quick run**"), md);
        assertTrue(md.contains("- nginx was skipped: not installed"), md);
        assertTrue(md.contains("## Keep-alive\n"), md);
        assertTrue(md.contains("| figure | target | median | vs direct | vs best peer | runs |"), md);
        assertTrue(md.contains("| requests (req/s) | portlocal | 55 | 50% | 111% | 50, 60, 55 |"), md);
        assertTrue(md.contains("| p99 (ms) | direct | 0.300 | 100% | 25% | 0.300, 0.200, 0.300 |"), md);
        assertFalse(md.contains("Cross-check"), "no cross-check section when none ran");
    }

    @Test
    void aWorkloadNoteStandsUnderItsHeadingAndPeersWithoutFiguresHaveNoRows() {
        ResultTable t = new ResultTable();
        t.addTarget("direct", TargetKind.DIRECT);
        t.addTarget("portlocal-t1", TargetKind.PORTLOCAL);
        t.addTarget("haproxy-splice-t1", TargetKind.PEER);
        t.addTarget("nginx-w1", TargetKind.PEER);
        String udp = "UDP throughput, 64-byte datagrams";
        Metric rate = new Metric("udp.tp.64.rate", udp, "echoed", "datagrams/s", Metric.Better.HIGHER, 0);
        Metric loss = new Metric("udp.tp.64.loss", udp, "lost", "% of datagrams", Metric.Better.LOWER, 3);
        t.noteWorkload(udp, "HAProxy 2.6 has no UDP proxy.");
        t.add("direct", rate, 1, 200_000);
        t.add("portlocal-t1", rate, 1, 100_000);
        t.add("nginx-w1", rate, 1, 50_000);
        t.add("direct", loss, 1, 0);
        t.add("portlocal-t1", loss, 1, 0.5);
        t.add("nginx-w1", loss, 1, 1.0);
        String md = MarkdownReport.render(QUICK, t, List.of(), Map.of());
        assertTrue(md.contains("## " + udp + "\n\nHAProxy 2.6 has no UDP proxy.\n\n| figure |"), md);
        // With HAProxy silent, the best peer is nginx.
        assertTrue(md.contains("| echoed (datagrams/s) | portlocal-t1 | 100,000 | 50% | 200% | 100,000 |"), md);
        assertTrue(md.contains("| lost (% of datagrams) | portlocal-t1 | 0.500 | - | 50% | 0.500 |"), md);
        assertFalse(md.contains("| haproxy-splice-t1 |"), md);
    }

    @Test
    void crossCheckShowsTheVerdict() {
        List<CrossCheck> checks = List.of(
                new CrossCheck("bulk upload P1 (Gbit/s)", "iperf3 -P1", List.of(30.0, 32.0, 31.0),
                        List.of(36.0, 37.0, 38.0)),
                new CrossCheck("keep-alive (req/s)", "wrk -t1 -c50", List.of(100.0), List.of(200.0)),
                new CrossCheck("conn/s", "wrk", List.of(10.0), List.of()));
        String md = MarkdownReport.render(QUICK, ResultTableTest.threeRounds(), checks,
                Map.of("ratios.svg", "Ratios"));
        assertTrue(md.contains("| bulk upload P1 (Gbit/s) | 31.0 | iperf3 -P1 | 37.0 | 84% | ok |"), md);
        assertTrue(md.contains("| keep-alive (req/s) | 100.0 | wrk -t1 -c50 | 200.0 | 50% | **below 80%** |"), md);
        assertTrue(md.contains("| conn/s | 10.0 | wrk | - | - | not run |"), md);
        assertTrue(md.contains("![Ratios](ratios.svg)"), md);
    }

    @Test
    void aKernelTargetAddsItsColumnAndOnlyThen() {
        ResultTable t = ResultTableTest.threeRounds();
        t.addTarget("kernel-dnat", TargetKind.KERNEL);
        for (int r = 1; r <= 3; r++) {
            t.add("kernel-dnat", ResultTableTest.RPS, r, 110);
        }
        String md = MarkdownReport.render(QUICK, t, List.of(), Map.of());
        assertTrue(md.contains("| figure | target | median | vs direct | vs best peer | vs kernel DNAT | runs |\n"
                + "|---|---|---:|---:|---:|---:|---|\n"), md);
        // portlocal 50, 60, 55 against the kernel's 110 in each round: the median ratio is 50%.
        assertTrue(md.contains("| requests (req/s) | portlocal | 55 | 50% | 111% | 50% | 50, 60, 55 |"), md);
        assertTrue(md.contains("| requests (req/s) | kernel-dnat | 110 | 110% | 244% | 100% | 110, 110, 110 |"),
                md);
    }
}
