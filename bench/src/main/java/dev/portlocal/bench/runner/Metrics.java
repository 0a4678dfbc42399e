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

    /**
     * The whole machine's busy CPU per unit of work ({@code key} like {@code ka.closed} or {@code bulk.up.p1}), read
     * in netns runs: generator, backends, proxy and the kernel's forwarding and NAT together.
     */
    static Metric machineCpu(String key, String workload, String labelPrefix, String unit) {
        return new Metric(key + MACHINE_CPU, workload, labelPrefix + "machine CPU", unit, Better.LOWER, 2);
    }

    /** What a target's machine CPU per unit exceeds direct's by, in the same round: the data plane's own cost. */
    static Metric addedCpu(Metric machineCpu) {
        String id = machineCpu.id();
        if (!id.endsWith(MACHINE_CPU)) {
            throw new IllegalArgumentException("metric: " + id + " (expected: a " + MACHINE_CPU + " metric)");
        }
        String prefix = machineCpu.label().substring(0, machineCpu.label().length() - "machine CPU".length());
        return new Metric(id.substring(0, id.length() - MACHINE_CPU.length()) + ".added_cpu", machineCpu.workload(),
                prefix + "CPU added over direct", machineCpu.unit(), Better.LOWER, 2);
    }

    static final String MACHINE_CPU = ".machine_cpu";

    /** Bulk's machine CPU per gigabyte moved. */
    static Metric bulkMachineCpu(Direction direction, int streams) {
        return machineCpu("bulk." + dir(direction) + ".p" + streams, BULK, dir(direction) + " P" + streams + " ",
                "CPU ms per GB");
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

    /** Echoed datagrams per second of the UDP throughput workload at one payload size. */
    static Metric udpRate(String workload, int size) {
        return new Metric("udp.tp." + size + ".rate", workload, "echoed", "datagrams/s", Better.HIGHER, 0);
    }

    /** Lost datagrams, in percent, of a UDP workload ({@code key}: {@code udp.tp.64}, {@code udp.rr}). */
    static Metric udpLoss(String key, String workload) {
        return new Metric(key + ".loss", workload, "lost", "% of datagrams", Better.LOWER, 3);
    }

    /** Proxy CPU per echoed datagram (a round trip: two datagrams relayed) of the UDP throughput workload. */
    static Metric udpCpu(String workload, int size) {
        return new Metric("udp.tp." + size + ".cpu", workload, "proxy CPU", "µs per echoed datagram",
                Better.LOWER, 2);
    }

    static String udpThroughputWorkload(int size, int sockets, int window) {
        return "UDP throughput, " + size + "-byte datagrams (" + sockets + " sockets, " + window
                + " in flight each)";
    }

    static String udpRequestResponseWorkload(int size, int sockets) {
        return "UDP request/response, " + size + "-byte datagrams (" + sockets + " sockets, one in flight each)";
    }

    /** Shown under every UDP heading: what is measured, and why HAProxy has no rows. */
    static String udpNote(double lossTimeoutSeconds) {
        return String.format(Locale.ROOT, "Each socket is its own source port, so its own proxy session. A datagram "
                + "not echoed within %.2f s counts as lost and is never retried; an echo that comes later is counted "
                + "as late in the log, not as echoed. Proxy CPU is per echoed datagram, that is per round trip (two "
                + "datagrams relayed). HAProxy 2.6 has no UDP proxy, so it has no rows here and \"vs best peer\" is "
                + "against nginx (`listen ... udp`, `proxy_responses 1`, `proxy_timeout %s`, 1 worker).",
                lossTimeoutSeconds, PeerConfigs.UDP_SESSION_TIMEOUT);
    }

    static Metric idleMemory(String workload) {
        return new Metric("idle.kib_per_conn", workload, "proxy memory growth", "KiB per connection",
                Better.LOWER, 2);
    }

    static Metric idlePss(String workload) {
        return new Metric("idle.pss_kib_per_conn", workload, "proxy PSS growth", "KiB per connection",
                Better.LOWER, 2);
    }

    /** A JVM's RSS growth between full GCs: an extra figure, beside the plain growth every target has. */
    static Metric idleAfterGc(String workload) {
        return new Metric("idle.gc_kib_per_conn", workload, "proxy RSS growth across full GCs (JVM)",
                "KiB per connection", Better.LOWER, 2);
    }

    /** The process's RSS before the idle connections, after the rounds it has served. */
    static Metric idleBaseRss(String workload) {
        return new Metric("idle.rss_mib", workload, "process RSS before", "MiB", Better.LOWER, 1);
    }

    /** From the fork to the probe's first sight of every listener; its poll interval and read cost included. */
    static Metric footprintStart(String workload) {
        return new Metric("fp.start_ms", workload, "start to all listening (probe)", "ms", Better.LOWER, 0);
    }

    /** From the fork to the daemon's sd_notify READY=1 (portlocal only: the peers do not speak sd_notify). */
    static Metric footprintReady(String workload) {
        return new Metric("fp.ready_ms", workload, "start to READY (sd_notify)", "ms", Better.LOWER, 0);
    }

    /** The probe's mean cost of one look at the listeners: the resolution of the figure above. */
    static Metric footprintProbeCost(String workload) {
        return new Metric("fp.probe_ms", workload, "probe: one look at the listeners", "ms", Better.LOWER, 1);
    }

    static Metric footprintLoadRate(String workload) {
        return new Metric("fp.load.rate", workload, "keep-alive req/s through mapping 1", "req/s", Better.HIGHER,
                0);
    }

    /** Idle, or read at the end of the keep-alive load's measured interval ({@code load}). */
    static Metric footprintRss(String workload, boolean load) {
        return new Metric(load ? "fp.load.rss_mib" : "fp.rss_mib", workload, load ? "RSS under keep-alive load"
                : "RSS", "MiB", Better.LOWER, 1);
    }

    static Metric footprintPss(String workload, boolean load) {
        return new Metric(load ? "fp.load.pss_mib" : "fp.pss_mib", workload, load ? "PSS under keep-alive load"
                : "PSS", "MiB", Better.LOWER, 1);
    }

    static Metric footprintThreads(String workload, boolean load) {
        return new Metric(load ? "fp.load.threads" : "fp.threads", workload, load ? "threads under keep-alive load"
                : "threads", "threads", Better.LOWER, 0);
    }

    /** The target's RSS as the keep-alive load ends, its connections still open. */
    static Metric loadRss(String workload) {
        return new Metric("ka.closed.rss_mib", workload, "RSS at the end of the load", "MiB", Better.LOWER, 1);
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
        if (id.startsWith("udp.tp.") && id.endsWith(".rate")) {
            return "UDP " + id.split("\\.")[2] + " B datagrams/s";
        }
        return switch (id) {
            case "ka.closed.rate" -> "keep-alive req/s";
            case "ka.open.rate" -> "open loop achieved";
            case "conn.rate" -> "new conn/s";
            case "udp.rr.rate" -> "UDP request/response";
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
