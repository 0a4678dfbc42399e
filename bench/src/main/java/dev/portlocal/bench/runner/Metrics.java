package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.BulkWorkload.Direction;
import dev.portlocal.bench.report.Metric;
import dev.portlocal.bench.report.Metric.Better;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The catalogue of reported figures, named after the options of the run. */
final class Metrics {

    static final String BULK = "Bulk throughput";

    private Metrics() {
    }

    static Metric bulkGbps(Direction direction, int streams) {
        return new Metric("bulk." + dir(direction) + ".p" + streams + ".gbps", BULK,
                dir(direction) + " P" + streams, "Gbit/s", Better.HIGHER, 2);
    }

    static Metric bulkEfficiency(Direction direction, int streams) {
        return new Metric("bulk." + dir(direction) + ".p" + streams + ".gbit_per_cpu_s", BULK,
                dir(direction) + " P" + streams + " proxy efficiency", "Gbit per CPU-second", Better.HIGHER, 2);
    }

    /** The request/response figures of one workload, in table order: rate, percentiles, max, proxy CPU. */
    record RequestMetrics(Metric rate, List<Metric> percentiles, Metric max, Metric cpu) {
        static final double[] PERCENTILES = {50, 90, 99, 99.9};
    }

    static RequestMetrics requests(String key, String workload, String rateLabel, String rateUnit,
            String cpuUnit) {
        List<Metric> percentiles = Arrays.stream(RequestMetrics.PERCENTILES)
                .mapToObj(p -> new Metric(key + ".p" + pct(p), workload, "p" + pct(p), "ms", Better.LOWER, 3))
                .toList();
        return new RequestMetrics(
                new Metric(key + ".rate", workload, rateLabel, rateUnit, Better.HIGHER, 0),
                percentiles,
                new Metric(key + ".max", workload, "max", "ms", Better.LOWER, 3),
                new Metric(key + ".cpu", workload, "proxy CPU", cpuUnit, Better.LOWER, 1));
    }

    static Metric idleMemory(String workload) {
        return new Metric("idle.kib_per_conn", workload, "proxy memory growth", "KiB per connection",
                Better.LOWER, 2);
    }

    static Metric idleOpened(String workload) {
        return new Metric("idle.opened", workload, "connections held", "connections", Better.HIGHER, 0);
    }

    /** A label that stands alone, outside its workload's table: for the chart's axis. */
    static String shortLabel(Metric metric) {
        String id = metric.id();
        if (id.startsWith("bulk.")) {
            return "bulk " + metric.label();
        }
        return switch (id) {
            case "ka.closed.rate" -> "keep-alive req/s";
            case "ka.open.rate" -> "open loop achieved";
            case "conn.rate" -> "new conn/s";
            default -> metric.label();
        };
    }

    private static String dir(Direction direction) {
        return direction.name().toLowerCase(Locale.ROOT);
    }

    /** 99.9 -> "99.9", 50 -> "50". */
    static String pct(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }
}
