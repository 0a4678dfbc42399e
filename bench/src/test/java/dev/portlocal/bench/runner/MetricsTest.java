package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.BulkWorkload.Direction;
import dev.portlocal.bench.report.Metric;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    }
}
