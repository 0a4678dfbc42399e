package dev.portlocal.bench.runner;

import dev.portlocal.bench.report.Charts;
import dev.portlocal.bench.report.CrossCheck;
import dev.portlocal.bench.report.MarkdownReport;
import dev.portlocal.bench.report.Metric;
import dev.portlocal.bench.report.ResultTable;
import dev.portlocal.bench.runner.RunnerOptions.PortlocalMode;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run's report directory: {@code report.md}, {@code ratios.svg}, one {@code latency-N.svg} per request
 * workload and {@code samples.csv} (every figure of every round).
 */
final class ReportWriter {

    private ReportWriter() {
    }

    /** @return the path of {@code report.md} */
    static Path write(Path outDir, RunnerOptions options, Placement placement, String command, String startedAt,
            ResultTable table, List<CrossCheck> crossChecks, List<String> notes) throws IOException {
        Map<String, String> charts = new LinkedHashMap<>();
        List<Metric> headline = table.metrics().stream()
                .filter(m -> m.id().endsWith(".gbps") || m.id().endsWith(".rate"))
                .map(m -> new Metric(m.id(), m.workload(), Metrics.shortLabel(m), m.unit(), m.better(),
                        m.decimals()))
                .toList();
        if (!headline.isEmpty()) {
            Files.writeString(outDir.resolve("ratios.svg"), Charts.ratioBars(table, headline));
            charts.put("ratios.svg", "Ratio to direct of the headline figures");
        }
        int i = 0;
        for (Map.Entry<String, Map<String, Histogram>> e : table.latencies().entrySet()) {
            String file = "latency-" + (++i) + ".svg";
            Files.writeString(outDir.resolve(file), Charts.latencyCurves(e.getKey(), e.getValue(),
                    table.targetNames()));
            charts.put(file, e.getKey() + ": latency by percentile");
        }
        MarkdownReport.RunInfo info = new MarkdownReport.RunInfo(command, startedAt, options.quick(),
                setup(options, placement), notes);
        Path report = outDir.resolve("report.md");
        Files.writeString(report, MarkdownReport.render(info, table, crossChecks, charts));
        Files.writeString(outDir.resolve("samples.csv"), samplesCsv(table));
        return report;
    }

    static String samplesCsv(ResultTable table) {
        StringBuilder sb = new StringBuilder("target,metric,unit,round,value\n");
        for (Metric m : table.metrics()) {
            for (String t : table.targetNames()) {
                List<Double> values = table.values(t, m.id());
                for (int r = 0; r < values.size(); r++) {
                    sb.append(t).append(',').append(m.id()).append(',').append(m.unit().replace(',', ' '))
                            .append(',').append(r + 1).append(',').append(values.get(r)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static List<String> setup(RunnerOptions options, Placement placement) {
        List<String> lines = new ArrayList<>();
        lines.add("Machine: " + Runtime.getRuntime().availableProcessors() + " CPUs ("
                + cpuModel() + "), kernel " + read("/proc/sys/kernel/osrelease") + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        List<String> tools = new ArrayList<>();
        Commands.probe(List.of("haproxy", "-v")).ifPresent(tools::add);
        Commands.probe(List.of("nginx", "-v")).ifPresent(tools::add);
        Commands.probe(List.of("iperf3", "--version")).ifPresent(tools::add);
        Commands.probe(List.of("wrk", "-v")).ifPresent(tools::add);
        if (placement.isNetns()) {
            Commands.probe(List.of("nft", "--version")).ifPresent(tools::add);
        }
        if (!tools.isEmpty()) {
            lines.add("Tools: " + String.join("; ", tools));
        }
        if (options.footprintOnly()) {
            lines.add(String.format(Locale.ROOT, "Rounds: none (--footprint-only): no warm-up pass, no rounds, no "
                    + "cross-check; the footprint workload alone, its keep-alive load %.1f s warm-up (dropped) then "
                    + "%.1f s measured", options.warmup().toMillis() / 1e3, options.measure().toMillis() / 1e3));
        } else {
            lines.add(String.format(Locale.ROOT, "Rounds: %d, targets interleaved (rotated each round), after an "
                            + "unmeasured warm-up pass over every target; each workload %.1f s warm-up (dropped) then "
                            + "%.1f s measured",
                    options.runs(), options.warmup().toMillis() / 1e3, options.measure().toMillis() / 1e3));
        }
        lines.add("Generator: Netty epoll, " + options.clientThreads() + " event loop(s), in the runner's JVM; "
                + "backends: Netty epoll, " + options.backendThreads() + " event loop(s), own JVM");
        if (placement.isNetns()) {
            lines.add("Topology: network namespaces over veth (MTU 1500), nothing routed out of them. The generator "
                    + "runs in `lb` (198.18.0.1); HAProxy, nginx, portlocal and the kernel-dnat rules are in node 1's "
                    + "namespace and listen on its address " + placement.proxyHost() + ", reached over a bridge; the "
                    + "backends run in a pod namespace (" + placement.backendHost() + ") behind the node's veth, as a "
                    + "point-to-point CNI lays pods out. direct is `lb` routing to the pod's address through the node "
                    + "(IP forwarding, no proxy). Connection tracking runs in the node namespace for every target "
                    + "once the DNAT table is loaded, as on a node with NodePortLocal.");
            lines.add("kernel-dnat is NodePortLocal's data plane: one nftables rule per mapping, `fib daddr type local "
                    + "tcp dport N dnat ip to POD:PORT` in prerouting and output (the rules are in "
                    + "run/kernel-dnat.nft). "
                    + "It has no process, so no \"proxy CPU\" rows; its cost is softirq time charged to whichever task "
                    + "or ksoftirqd ran it. \"machine CPU\" is the whole machine's busy time from /proc/stat (user, "
                    + "nice, system, irq, softirq, steal; every CPU) per unit of work, for every target including "
                    + "direct; \"CPU added over direct\" is a target's machine CPU minus direct's in the same round: "
                    + "what its data plane adds to the path with no proxy. It counts anything else the machine ran "
                    + "during the interval, so it is only meaningful on a quiet machine.");
        }
        lines.add("Targets: direct (no proxy); HAProxy mode tcp with option splice-request/splice-response, "
                + "nbthread 1 and 2; nginx stream, 1 worker; portlocal with --threads "
                + options.portlocalThreads() + " and modes "
                + options.portlocalModes().stream().map(PortlocalMode::name).toList()
                + ". Configurations are in run/ next to this report.");
        RunnerOptions.UdpOptions udp = options.udp();
        if (udp.enabled()) {
            lines.add(String.format(Locale.ROOT, "UDP: an echo in the backends' JVM (recvmmsg/sendmmsg); throughput "
                    + "with %d sockets and %d datagrams in flight each at %s bytes, request/response with %d sockets "
                    + "and one in flight at %d bytes; lost = not echoed within %.2f s. Through nginx (listen ... udp, "
                    + "1 worker) and portlocal (--udp-idle-timeout %s); HAProxy 2.6 has no UDP proxy.",
                    udp.sockets(), udp.window(), udp.sizes(), udp.rrSockets(), udp.sizes().get(0),
                    udp.lossTimeout().toMillis() / 1e3, PeerConfigs.UDP_SESSION_TIMEOUT));
        }
        return lines;
    }

    private static String cpuModel() {
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown CPU";
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
