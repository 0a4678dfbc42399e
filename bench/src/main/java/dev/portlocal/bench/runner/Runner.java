package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.BulkWorkload;
import dev.portlocal.bench.load.BulkWorkload.Direction;
import dev.portlocal.bench.load.ConnectionPerRequestWorkload;
import dev.portlocal.bench.load.IdleConnectionsWorkload;
import dev.portlocal.bench.load.KeepAliveWorkload;
import dev.portlocal.bench.load.LoadGenerator;
import dev.portlocal.bench.load.RequestResult;
import dev.portlocal.bench.load.Window;
import dev.portlocal.bench.report.Charts;
import dev.portlocal.bench.report.CrossCheck;
import dev.portlocal.bench.report.MarkdownReport;
import dev.portlocal.bench.report.Metric;
import dev.portlocal.bench.report.ResultTable;
import dev.portlocal.bench.report.TargetKind;
import dev.portlocal.bench.runner.PeerConfigs.Route;
import dev.portlocal.bench.runner.RunnerOptions.PortlocalMode;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Runs a whole benchmark: backends, proxies, interleaved rounds of every workload against every target, the
 * cross-check with iperf3 and wrk, and the report. Every wait is bounded and the whole run stops starting work at
 * the deadline; every child process is stopped by PID when the run ends, also on Ctrl-C (see {@link #stopAll}).
 */
public final class Runner {

    static final int SINK_PORT = 5201;
    static final int SOURCE_PORT = 5202;
    static final int HTTP_PORT = 5280;
    static final int IPERF3_PORT = 5301;
    static final String PORTLOCAL_RANGE = "61000-62000";
    static final String NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

    /** Children never live longer than this, even if the runner is killed. */
    private static final Duration CHILD_LIFETIME = Duration.ofMinutes(70);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final RunnerOptions options;
    private final String command;
    private final PrintStream out;
    private final List<ChildProcess> children = new CopyOnWriteArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final ProcStats proc = new ProcStats(clockTicks());
    private final ResultTable table = new ResultTable();
    private final Map<String, List<Double>> reference = new LinkedHashMap<>();
    private long deadlineNanos;
    private volatile boolean stopping;
    private Path runDir;

    public Runner(RunnerOptions options, String command, PrintStream out) {
        this.options = requireNonNull(options, "options");
        this.command = requireNonNull(command, "command");
        this.out = requireNonNull(out, "out");
    }

    /**
     * Runs and writes the report.
     *
     * @return the report's path
     */
    public Path run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        deadlineNanos = started + options.deadline().toNanos();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path outDir = options.outputDir().resolve(stamp + (options.quick() ? "-quick" : ""));
        runDir = outDir.resolve("run");
        Files.createDirectories(runDir);
        checkPortsFree();
        try {
            startBackend();
            List<Target> targets = startTargets();
            if (options.crossCheck()) {
                startIperf3Server();
            }
            try (LoadGenerator generator = new LoadGenerator(options.clientThreads())) {
                for (Target target : targets) {
                    warmUp(generator, target);
                }
                for (int round = 1; round <= options.runs() && !pastDeadline(); round++) {
                    List<Target> order = new ArrayList<>(targets);
                    Collections.rotate(order, -(round - 1));
                    log("round %d of %d: %s", round, options.runs(), order.stream().map(Target::name).toList());
                    for (Target target : order) {
                        if (pastDeadline()) {
                            break;
                        }
                        if (options.crossCheck() && target.kind() == TargetKind.DIRECT) {
                            // Right before the generator's own direct run, so both see the same machine.
                            crossCheck(round);
                        }
                        measure(generator, target, round);
                    }
                }
            }
            if (System.nanoTime() > deadlineNanos) {
                notes.add("The deadline of " + options.deadline().toSeconds() + " s was reached: the remaining "
                        + "workloads were skipped.");
            }
        } finally {
            stopAll();
        }
        Path report = writeReport(outDir, started);
        log("report: %s (%.0f s)", report, (System.nanoTime() - started) / 1e9);
        return report;
    }

    /**
     * Stops every child this runner started, by PID, and makes the run start no further work. Idempotent; safe from
     * a shutdown hook.
     */
    public void stopAll() {
        stopping = true;
        for (ChildProcess child : children) {
            child.stop();
        }
    }

    private void checkPortsFree() throws IOException {
        List<Integer> ports = new ArrayList<>(List.of(SINK_PORT, SOURCE_PORT, HTTP_PORT, IPERF3_PORT));
        for (int i = 0; i < 3; i++) {
            ports.addAll(List.of(haproxyPort(1, i), haproxyPort(2, i), nginxPort(i)));
        }
        for (int port : ports) {
            if (ChildProcess.accepts(Target.loopback(port))) {
                throw new IOException("port " + port + " on 127.0.0.1 is in use (expected: free; is another "
                        + "bench run or a stale proxy still up?)");
            }
        }
    }

    private void startBackend() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xms256m", "-Xmx256m", "-XX:+UseParallelGC",
                "-Dio.netty.leakDetection.level=disabled",
                "-cp", System.getProperty("java.class.path"), "dev.portlocal.bench.backend.BackendMain",
                "--host", "127.0.0.1", "--sink-port", Integer.toString(SINK_PORT),
                "--source-port", Integer.toString(SOURCE_PORT), "--http-port", Integer.toString(HTTP_PORT),
                "--threads", Integer.toString(options.backendThreads()),
                "--max-seconds", Long.toString(CHILD_LIFETIME.toSeconds()));
        ChildProcess backend = startChild("backend", cmd);
        backend.awaitListening(List.of(Target.loopback(SINK_PORT), Target.loopback(SOURCE_PORT),
                Target.loopback(HTTP_PORT)), START_TIMEOUT);
        log("backend up: pid=%d sink=%d source=%d http=%d", backend.pid(), SINK_PORT, SOURCE_PORT, HTTP_PORT);
    }

    private void startIperf3Server() throws IOException, InterruptedException {
        if (!Commands.onPath("iperf3")) {
            notes.add("iperf3 is not installed: the bulk cross-check was skipped.");
            return;
        }
        ChildProcess iperf = startChild("iperf3-server",
                List.of("iperf3", "-s", "-B", "127.0.0.1", "-p", Integer.toString(IPERF3_PORT)));
        iperf.awaitListening(List.of(Target.loopback(IPERF3_PORT)), START_TIMEOUT);
    }

    private ChildProcess startChild(String name, List<String> cmd) throws IOException {
        ChildProcess child = ChildProcess.start(name, cmd, CHILD_LIFETIME, runDir.resolve(name + ".log"));
        children.add(child);
        return child;
    }

    private List<Target> startTargets() throws InterruptedException, IOException {
        List<Target> targets = new ArrayList<>();
        table.addTarget("direct", TargetKind.DIRECT);
        targets.add(new Target("direct", TargetKind.DIRECT, Target.loopback(SINK_PORT),
                Target.loopback(SOURCE_PORT), Target.loopback(HTTP_PORT), Optional.empty(), false));
        if (options.targets().contains("portlocal")) {
            startPortlocal(targets);
        }
        if (options.targets().contains("haproxy")) {
            startHaproxy(targets);
        }
        if (options.targets().contains("nginx")) {
            startNginx(targets);
        }
        return targets;
    }

    private static List<Route> routes(int sinkPort, int sourcePort, int httpPort) {
        return List.of(new Route("sink", sinkPort, SINK_PORT), new Route("source", sourcePort, SOURCE_PORT),
                new Route("http", httpPort, HTTP_PORT));
    }

    private static int haproxyPort(int threads, int route) {
        return 62100 + 10 * threads + route + 1;
    }

    private static int nginxPort(int route) {
        return 62151 + route;
    }

    private void startPortlocal(List<Target> targets) throws InterruptedException, IOException {
        Path jar = options.portlocalJar();
        if (!Files.isRegularFile(jar)) {
            notes.add("portlocal was skipped: " + jar + " does not exist yet (build proxy-core first).");
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int variant = 0;
        for (PortlocalMode mode : options.portlocalModes()) {
            for (int threads : options.portlocalThreads()) {
                String name = "portlocal" + (options.portlocalModes().size() > 1
                        || !mode.equals(RunnerOptions.DEFAULT_MODE) ? "-" + mode.name() : "") + "-t" + threads;
                int base = 61000 + 10 * variant++;
                List<Route> routes = routes(base + 1, base + 2, base + 3);
                Path dir = runDir.resolve(name);
                Files.createDirectories(dir.resolve("state"));
                Path mappings = dir.resolve("mappings.yaml");
                Files.writeString(mappings, PeerConfigs.portlocalMappings(routes));
                List<String> cmd = new ArrayList<>(List.of(java));
                cmd.addAll(options.portlocalJavaOptions());
                cmd.addAll(List.of("-jar", jar.toString(), "run", "--mappings", mappings.toString(),
                        "--port-range", PORTLOCAL_RANGE, "--state-dir", dir.resolve("state").toString(),
                        "--threads", Integer.toString(threads),
                        // Loopback only, like every other target; a short drain so it stops within our grace time.
                        "--listen-address", "127.0.0.1", "--drain-timeout", "2s"));
                cmd.addAll(mode.args());
                addProxy(targets, name, TargetKind.PORTLOCAL, cmd, routes, true);
            }
        }
    }

    private void startHaproxy(List<Target> targets) throws InterruptedException, IOException {
        if (!Commands.onPath("haproxy")) {
            notes.add("HAProxy was skipped: not installed (bench/run.sh installs it).");
            return;
        }
        for (int threads : List.of(1, 2)) {
            String name = "haproxy-splice-t" + threads;
            List<Route> routes = routes(haproxyPort(threads, 0), haproxyPort(threads, 1), haproxyPort(threads, 2));
            Path cfg = runDir.resolve(name + ".cfg");
            Files.writeString(cfg, PeerConfigs.haproxy(threads, routes));
            addProxy(targets, name, TargetKind.PEER, List.of("haproxy", "-db", "-f", cfg.toString()), routes, false);
        }
    }

    private void startNginx(List<Target> targets) throws InterruptedException, IOException {
        if (!Commands.onPath("nginx") || !Files.exists(Path.of(NGINX_STREAM_MODULE))) {
            notes.add("nginx was skipped: nginx or libnginx-mod-stream is not installed (bench/run.sh installs "
                    + "them).");
            return;
        }
        String name = "nginx-w1";
        List<Route> routes = routes(nginxPort(0), nginxPort(1), nginxPort(2));
        Path dir = runDir.resolve(name);
        Files.createDirectories(dir);
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, PeerConfigs.nginx(dir.toAbsolutePath().toString(), NGINX_STREAM_MODULE, routes));
        addProxy(targets, name, TargetKind.PEER, List.of("nginx", "-p", dir.toAbsolutePath().toString(),
                "-c", conf.toAbsolutePath().toString(), "-e", dir.resolve("error.log").toAbsolutePath().toString()),
                routes, false);
    }

    private void addProxy(List<Target> targets, String name, TargetKind kind, List<String> cmd, List<Route> routes,
            boolean jvm) throws InterruptedException, IOException {
        ChildProcess child = startChild(name, cmd);
        try {
            child.awaitListening(routes.stream().map(r -> Target.loopback(r.listenPort())).toList(), START_TIMEOUT);
        } catch (IOException e) {
            notes.add(name + " was skipped: it did not start: " + firstLine(e.getMessage()));
            log("%s did not start: %s", name, e.getMessage());
            child.stop();
            return;
        }
        log("%s up: pid=%d ports=%s", name, child.pid(), routes.stream().map(Route::listenPort).toList());
        table.addTarget(name, kind);
        targets.add(new Target(name, kind, Target.loopback(routes.get(0).listenPort()),
                Target.loopback(routes.get(1).listenPort()), Target.loopback(routes.get(2).listenPort()),
                Optional.of(child), jvm));
    }

    private void measure(LoadGenerator generator, Target target, int round) throws InterruptedException {
        if (target.process().isPresent() && !target.process().get().isAlive()) {
            notes.add("round " + round + ": " + target.name() + " had exited; skipped. Log: "
                    + target.process().get().log());
            return;
        }
        LongSupplier cpu = target.process().isPresent()
                ? () -> proc.cpuNanos(target.process().get().pid())
                : () -> -1;
        Window window = new Window(options.warmup(), options.measure(), cpu);
        BulkWorkload bulk = new BulkWorkload(generator);
        for (int streams : options.streams()) {
            for (Direction direction : Direction.values()) {
                attempt(target, round, "bulk " + direction + " P" + streams, () -> {
                    InetSocketAddress address = direction == Direction.UPLOAD ? target.sink() : target.source();
                    BulkWorkload.Result r = bulk.run(address, direction, streams, window);
                    table.add(target.name(), Metrics.bulkGbps(direction, streams), round, r.gbitPerSecond());
                    table.add(target.name(), Metrics.bulkEfficiency(direction, streams), round,
                            r.bytes() * 8 / 1e9 / r.measured().cpuSeconds());
                    log("  %-22s bulk %-8s P%d %7.2f Gbit/s", target.name(), direction, streams,
                            r.gbitPerSecond());
                });
            }
        }
        KeepAliveWorkload keepAlive = new KeepAliveWorkload(generator);
        String closedName = "Keep-alive request/response, closed loop (C=" + options.connections() + ")";
        attempt(target, round, "keep-alive closed loop", () -> {
            RequestResult r = keepAlive.run(target.http(), options.connections(), OptionalDouble.empty(), window);
            recordRequests(target, round, "ka.closed", closedName, "requests", "req/s", "CPU µs per request", r);
        });
        String openName = String.format(Locale.ROOT,
                "Keep-alive request/response, open loop at %.0f req/s (C=%d, latency from intended send time)",
                options.rate(), options.connections());
        attempt(target, round, "keep-alive open loop", () -> {
            RequestResult r = keepAlive.run(target.http(), options.connections(),
                    OptionalDouble.of(options.rate()), window);
            recordRequests(target, round, "ka.open", openName, "achieved", "req/s", "CPU µs per request", r);
        });
        ConnectionPerRequestWorkload perRequest = new ConnectionPerRequestWorkload(generator);
        String connName = "New connection per request (C=" + options.connectConcurrency() + ")";
        attempt(target, round, "connection per request", () -> {
            RequestResult r = perRequest.run(target.http(), options.connectConcurrency(), window);
            recordRequests(target, round, "conn", connName, "connections", "conn/s", "CPU µs per connection", r);
        });
        if (options.idleConnections() > 0 && target.process().isPresent()) {
            String idleName = "Idle connections (N=" + options.idleConnections() + ")";
            attempt(target, round, "idle connections", () -> {
                IdleConnectionsWorkload.Result r = new IdleConnectionsWorkload(generator).run(target.sink(),
                        options.idleConnections(), 1_000, 60_000, () -> rssAfterGc(target));
                table.add(target.name(), Metrics.idleMemory(idleName), round, r.kibPerConnection());
                table.add(target.name(), Metrics.idleOpened(idleName), round, r.opened());
                log("  %-22s idle %d/%d held, %.2f KiB per connection", target.name(), r.opened(),
                        r.requested(), r.kibPerConnection());
            });
        }
    }

    /**
     * Runs every workload but the idle one once against the target and drops the results, so that round 1 measures
     * warm JITs like the later rounds do: the generator's and the backends' (which would otherwise make whichever
     * target comes first look slow), and portlocal's own.
     */
    private void warmUp(LoadGenerator generator, Target target) throws InterruptedException {
        Duration each = options.quick() ? Duration.ofMillis(400) : Duration.ofSeconds(1);
        Window window = new Window(Duration.ZERO, each, () -> -1);
        log("warming up %s (%d ms per workload, not measured)", target.name(), each.toMillis());
        attempt(target, 0, "warm-up bulk upload", () -> new BulkWorkload(generator)
                .run(target.sink(), Direction.UPLOAD, 1, window));
        attempt(target, 0, "warm-up bulk download", () -> new BulkWorkload(generator)
                .run(target.source(), Direction.DOWNLOAD, 1, window));
        attempt(target, 0, "warm-up keep-alive", () -> new KeepAliveWorkload(generator)
                .run(target.http(), options.connections(), OptionalDouble.empty(), window));
        attempt(target, 0, "warm-up keep-alive open loop", () -> new KeepAliveWorkload(generator)
                .run(target.http(), options.connections(), OptionalDouble.of(options.rate()), window));
        attempt(target, 0, "warm-up connection per request", () -> new ConnectionPerRequestWorkload(generator)
                .run(target.http(), options.connectConcurrency(), window));
    }

    private void recordRequests(Target target, int round, String key, String workload, String rateLabel,
            String rateUnit, String cpuUnit, RequestResult r) {
        Metrics.RequestMetrics m = Metrics.requests(key, workload, rateLabel, rateUnit, cpuUnit);
        table.add(target.name(), m.rate(), round, r.perSecond());
        for (int i = 0; i < m.percentiles().size(); i++) {
            table.add(target.name(), m.percentiles().get(i), round,
                    r.millisAt(Metrics.RequestMetrics.PERCENTILES[i]));
        }
        table.add(target.name(), m.max(), round, r.maxMillis());
        table.add(target.name(), m.cpu(), round, r.cpuMicrosPerOperation());
        table.addLatencies(workload, target.name(), r.latencies());
        log("  %-22s %-9s %,10.0f %s  p50 %.3f ms  p99 %.3f ms  errors %d", target.name(), key, r.perSecond(),
                rateUnit, r.millisAt(50), r.millisAt(99), r.errors());
        if (r.errors() > 0) {
            notes.add("round " + round + ": " + target.name() + " " + key + ": " + r.errors()
                    + " failed connections or requests.");
        }
    }

    /** Resident KiB of the target after a full GC if it is a JVM (jcmd GC.run), else plain RSS. */
    private long rssAfterGc(Target target) {
        long pid = target.process().orElseThrow().pid();
        if (target.jvm()) {
            OptionalLong java = proc.findJava(pid);
            if (java.isPresent()) {
                try {
                    // Twice: the first full GC may resize the heap, the second measures the settled footprint.
                    for (int i = 0; i < 2; i++) {
                        Commands.run(List.of("jcmd", Long.toString(java.getAsLong()), "GC.run"),
                                Duration.ofSeconds(30));
                    }
                } catch (IOException e) {
                    notes.add(target.name() + ": jcmd GC.run failed, memory is without a full GC: "
                            + firstLine(e.getMessage()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return proc.rssKiB(pid);
    }

    private void crossCheck(int round) {
        int streams = options.streams().get(0);
        int seconds = (int) Math.max(1, Math.ceil(options.measure().toMillis() / 1000.0));
        int omit = (int) Math.ceil(options.warmup().toMillis() / 1000.0);
        String iperfLimit = Integer.toString(seconds + omit);
        if (Commands.onPath("iperf3")) {
            for (boolean reverse : List.of(false, true)) {
                attemptTool(round, "iperf3" + (reverse ? " -R" : ""), () -> {
                    List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", "127.0.0.1", "-p",
                            Integer.toString(IPERF3_PORT), "-t", Integer.toString(seconds), "-O",
                            Integer.toString(omit), "-P", Integer.toString(streams), "-J"));
                    if (reverse) {
                        cmd.add("-R");
                    }
                    double gbps = ToolOutput.iperf3ReceivedGbps(Commands.run(cmd,
                            Duration.ofSeconds(Long.parseLong(iperfLimit) + 20)));
                    reference.computeIfAbsent(reverse ? "iperf3.down" : "iperf3.up", k -> new ArrayList<>())
                            .add(gbps);
                    log("  %-22s %s -P%d %7.2f Gbit/s", "direct (iperf3)", reverse ? "download" : "upload",
                            streams, gbps);
                });
            }
        }
        if (Commands.onPath("wrk")) {
            for (boolean close : List.of(false, true)) {
                attemptTool(round, "wrk" + (close ? " Connection: close" : ""), () -> {
                    int c = close ? options.connectConcurrency() : options.connections();
                    List<String> cmd = new ArrayList<>(List.of("wrk", "-t1", "-c" + c, "-d" + seconds + "s"));
                    if (close) {
                        cmd.addAll(List.of("-H", "Connection: close"));
                    }
                    cmd.add("http://127.0.0.1:" + HTTP_PORT + "/");
                    double rps = ToolOutput.wrkRequestsPerSecond(Commands.run(cmd, Duration.ofSeconds(seconds + 20)));
                    reference.computeIfAbsent(close ? "wrk.close" : "wrk.keepalive", k -> new ArrayList<>()).add(rps);
                    log("  %-22s wrk -c%d%s %,10.0f req/s", "direct (wrk)", c, close ? " close" : "", rps);
                });
            }
        }
    }

    private List<CrossCheck> crossChecks() {
        if (!options.crossCheck()) {
            return List.of();
        }
        int s = options.streams().get(0);
        return List.of(
                new CrossCheck("bulk upload P" + s + " (Gbit/s)", "iperf3 -P" + s,
                        table.values("direct", Metrics.bulkGbps(Direction.UPLOAD, s).id()),
                        reference.getOrDefault("iperf3.up", List.of())),
                new CrossCheck("bulk download P" + s + " (Gbit/s)", "iperf3 -R -P" + s,
                        table.values("direct", Metrics.bulkGbps(Direction.DOWNLOAD, s).id()),
                        reference.getOrDefault("iperf3.down", List.of())),
                new CrossCheck("keep-alive closed loop, C=" + options.connections() + " (req/s)",
                        "wrk -t1 -c" + options.connections(),
                        table.values("direct", "ka.closed.rate"),
                        reference.getOrDefault("wrk.keepalive", List.of())),
                new CrossCheck("connection per request, C=" + options.connectConcurrency() + " (conn/s)",
                        "wrk -t1 -c" + options.connectConcurrency() + " -H 'Connection: close'",
                        table.values("direct", "conn.rate"),
                        reference.getOrDefault("wrk.close", List.of())));
    }

    private Path writeReport(Path outDir, long startedNanos) throws IOException {
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
        for (Map.Entry<String, Map<String, org.HdrHistogram.Histogram>> e : table.latencies().entrySet()) {
            String file = "latency-" + (++i) + ".svg";
            Files.writeString(outDir.resolve(file), Charts.latencyCurves(e.getKey(), e.getValue(),
                    table.targetNames()));
            charts.put(file, e.getKey() + ": latency by percentile");
        }
        MarkdownReport.RunInfo info = new MarkdownReport.RunInfo(command,
                LocalDateTime.now().minusNanos(System.nanoTime() - startedNanos)
                        .format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19),
                options.quick(), setup(), notes);
        Path report = outDir.resolve("report.md");
        Files.writeString(report, MarkdownReport.render(info, table, crossChecks(), charts));
        Files.writeString(outDir.resolve("samples.csv"), samplesCsv());
        return report;
    }

    private String samplesCsv() {
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

    private List<String> setup() {
        List<String> lines = new ArrayList<>();
        lines.add("Machine: " + Runtime.getRuntime().availableProcessors() + " CPUs ("
                + cpuModel() + "), kernel " + read("/proc/sys/kernel/osrelease") + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        List<String> tools = new ArrayList<>();
        Commands.firstLine(List.of("haproxy", "-v")).ifPresent(tools::add);
        Commands.firstLine(List.of("nginx", "-v")).ifPresent(tools::add);
        Commands.firstLine(List.of("iperf3", "--version")).ifPresent(tools::add);
        Commands.firstLine(List.of("wrk", "-v")).ifPresent(tools::add);
        if (!tools.isEmpty()) {
            lines.add("Tools: " + String.join("; ", tools));
        }
        lines.add(String.format(Locale.ROOT, "Rounds: %d, targets interleaved (rotated each round); each "
                        + "workload %.1f s warm-up (dropped) then %.1f s measured",
                options.runs(), options.warmup().toMillis() / 1e3, options.measure().toMillis() / 1e3));
        lines.add("Generator: Netty epoll, " + options.clientThreads() + " event loop(s), in the runner's JVM; "
                + "backends: Netty epoll, " + options.backendThreads() + " event loop(s), own JVM");
        lines.add("Targets: direct (no proxy); HAProxy mode tcp with option splice-request/splice-response, "
                + "nbthread 1 and 2; nginx stream, 1 worker; portlocal with --threads "
                + options.portlocalThreads() + " and modes "
                + options.portlocalModes().stream().map(PortlocalMode::name).toList()
                + ". Configurations are in run/ next to this report.");
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

    private static long clockTicks() {
        return Commands.firstLine(List.of("getconf", "CLK_TCK")).map(String::trim).map(Long::parseLong).orElse(100L);
    }

    /** A workload step that may fail without ending the run. */
    private interface Step {
        void run() throws Exception;
    }

    private void attempt(Target target, int round, String what, Step step) throws InterruptedException {
        if (pastDeadline()) {
            return;
        }
        try {
            step.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            notes.add("round " + round + ": " + target.name() + " " + what + " failed: " + firstLine(
                    String.valueOf(e.getMessage())));
            log("  %-22s %s failed: %s", target.name(), what, e);
        }
    }

    private void attemptTool(int round, String what, Step step) {
        if (pastDeadline()) {
            return;
        }
        try {
            step.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            notes.add("round " + round + ": cross-check " + what + " failed: " + firstLine(
                    String.valueOf(e.getMessage())));
            log("  cross-check %s failed: %s", what, e);
        }
    }

    private boolean pastDeadline() {
        return stopping || System.nanoTime() > deadlineNanos;
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private void log(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
