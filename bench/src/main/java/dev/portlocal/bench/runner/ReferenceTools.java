package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.BulkWorkload.Direction;
import dev.portlocal.bench.report.CrossCheck;
import dev.portlocal.bench.report.ResultTable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The cross-check: iperf3 and wrk on the direct path, whose figures the generator's own direct figures must reach
 * (at least {@link CrossCheck#REQUIRED_RATIO}) for the proxies' figures to mean anything. Each tool run is bounded;
 * a failed one is noted and the run goes on.
 */
final class ReferenceTools {

    private final RunnerOptions options;
    private final String host;
    private final RunLog log;
    /** "iperf3.up", "iperf3.down", "wrk.keepalive", "wrk.close" -> one figure per round. */
    private final Map<String, List<Double>> figures = new LinkedHashMap<>();

    /** @param host where the backends and the iperf3 server listen: the direct path's address */
    ReferenceTools(RunnerOptions options, String host, RunLog log) {
        this.options = requireNonNull(options, "options");
        this.host = requireNonNull(host, "host");
        this.log = requireNonNull(log, "log");
    }

    /** Runs every installed tool once, with the same durations and concurrency as the workloads. */
    void run(int round) throws InterruptedException {
        int streams = options.streams().get(0);
        int seconds = (int) Math.max(1, Math.ceil(options.measure().toMillis() / 1000.0));
        int omit = (int) Math.ceil(options.warmup().toMillis() / 1000.0);
        Duration limit = Duration.ofSeconds(seconds + omit + 20L);
        if (Commands.onPath("iperf3")) {
            for (boolean reverse : List.of(false, true)) {
                attempt(round, "iperf3" + (reverse ? " -R" : ""), () -> {
                    List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", host, "-p",
                            Integer.toString(Launcher.IPERF3_PORT), "-t", Integer.toString(seconds), "-O",
                            Integer.toString(omit), "-P", Integer.toString(streams), "-J"));
                    if (reverse) {
                        cmd.add("-R");
                    }
                    double gbps = ToolOutput.iperf3ReceivedGbps(Commands.run(cmd, limit));
                    add(reverse ? "iperf3.down" : "iperf3.up", gbps);
                    log.log("  %-22s %s -P%d %7.2f Gbit/s", "direct (iperf3)", reverse ? "download" : "upload",
                            streams, gbps);
                });
            }
        }
        if (Commands.onPath("wrk")) {
            for (boolean close : List.of(false, true)) {
                attempt(round, "wrk" + (close ? " Connection: close" : ""), () -> {
                    int c = close ? options.connectConcurrency() : options.connections();
                    List<String> cmd = new ArrayList<>(List.of("wrk", "-t1", "-c" + c, "-d" + seconds + "s"));
                    if (close) {
                        cmd.addAll(List.of("-H", "Connection: close"));
                    }
                    cmd.add("http://" + host + ":" + Launcher.HTTP_PORT + "/");
                    double rps = ToolOutput.wrkRequestsPerSecond(Commands.run(cmd, limit));
                    add(close ? "wrk.close" : "wrk.keepalive", rps);
                    log.log("  %-22s wrk -c%d%s %,10.0f req/s", "direct (wrk)", c, close ? " close" : "", rps);
                });
            }
        }
    }

    /** The generator's direct figures from {@code table} against the tools' figures, medians of all rounds. */
    List<CrossCheck> compare(ResultTable table) {
        int s = options.streams().get(0);
        return List.of(
                new CrossCheck("bulk upload P" + s + " (Gbit/s)", "iperf3 -P" + s,
                        table.values("direct", Metrics.bulkGbps(Direction.UPLOAD, s).id()), figures("iperf3.up")),
                new CrossCheck("bulk download P" + s + " (Gbit/s)", "iperf3 -R -P" + s,
                        table.values("direct", Metrics.bulkGbps(Direction.DOWNLOAD, s).id()),
                        figures("iperf3.down")),
                new CrossCheck("keep-alive closed loop, C=" + options.connections() + " (req/s)",
                        "wrk -t1 -c" + options.connections(),
                        table.values("direct", "ka.closed.rate"), figures("wrk.keepalive")),
                new CrossCheck("connection per request, C=" + options.connectConcurrency() + " (conn/s)",
                        "wrk -t1 -c" + options.connectConcurrency() + " -H 'Connection: close'",
                        table.values("direct", "conn.rate"), figures("wrk.close")));
    }

    private void add(String key, double value) {
        figures.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    private List<Double> figures(String key) {
        return figures.getOrDefault(key, List.of());
    }

    /** One tool run that may fail without ending the run. */
    private interface ToolRun {
        void run() throws Exception;
    }

    private void attempt(int round, String what, ToolRun run) throws InterruptedException {
        try {
            run.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            log.note("round " + round + ": cross-check " + what + " failed: " + RunLog.firstLine(e.getMessage()));
        }
    }
}
