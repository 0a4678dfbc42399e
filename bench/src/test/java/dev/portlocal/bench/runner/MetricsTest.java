package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.BulkWorkload.Direction;
import dev.portlocal.bench.report.Metric;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

    @Test
    void idsAreStableAndNamedAfterTheRun() {
        assertEquals("bulk.upload.p4.gbps", Metrics.bulkGbps(Direction.UPLOAD, 4).id());
        assertEquals("bulk.download.p1.gbit_per_cpu_s", Metrics.bulkEfficiency(Direction.DOWNLOAD, 1).id());
        Metrics.RequestMetrics m = Metrics.requests("ka.closed", "Keep-alive", "requests", "req/s", "µs/req");
        assertEquals("ka.closed.rate", m.rate().id());
        assertEquals(List.of("ka.closed.p50", "ka.closed.p90", "ka.closed.p99", "ka.closed.p99.9"),
                m.percentiles().stream().map(Metric::id).toList());
        assertEquals(Metric.Better.LOWER, m.cpu().better());
    }

    @Test
    void chartLabelsStandAlone() {
        assertEquals("bulk upload P1", Metrics.shortLabel(Metrics.bulkGbps(Direction.UPLOAD, 1)));
        assertEquals("keep-alive req/s", Metrics.shortLabel(
                Metrics.requests("ka.closed", "w", "requests", "req/s", "µs").rate()));
        assertEquals("new conn/s", Metrics.shortLabel(
                Metrics.requests("conn", "w", "connections", "conn/s", "µs").rate()));
        assertEquals("UDP 1400 B datagrams/s", Metrics.shortLabel(Metrics.udpRate("w", 1400)));
        assertEquals("UDP request/response", Metrics.shortLabel(
                Metrics.requests("udp.rr", "w", "echoed", "exchanges/s", "µs").rate()));
    }

    @Test
    void udpFiguresAreIdentifiedBySizeAndRankedTheRightWay() {
        String w = Metrics.udpThroughputWorkload(64, 8, 16);
        assertEquals("UDP throughput, 64-byte datagrams (8 sockets, 16 in flight each)", w);
        assertEquals("udp.tp.64.rate", Metrics.udpRate(w, 64).id());
        assertEquals(Metric.Better.HIGHER, Metrics.udpRate(w, 64).better());
        assertEquals("udp.tp.64.loss", Metrics.udpLoss("udp.tp.64", w).id());
        assertEquals(Metric.Better.LOWER, Metrics.udpLoss("udp.rr", w).better());
        assertEquals("udp.tp.64.cpu", Metrics.udpCpu(w, 64).id());
        assertTrue(Metrics.udpNote(0.2).contains("HAProxy 2.6 has no UDP proxy"));
    }
}
