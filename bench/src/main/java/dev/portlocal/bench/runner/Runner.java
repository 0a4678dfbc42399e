package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.BulkWorkload;
import dev.portlocal.bench.load.BulkWorkload.Direction;
import dev.portlocal.bench.load.ConnectionPerRequestWorkload;
import dev.portlocal.bench.load.IdleConnectionsWorkload;
import dev.portlocal.bench.load.KeepAliveWorkload;
import dev.portlocal.bench.load.LoadGenerator;
import dev.portlocal.bench.load.RequestResult;
import dev.portlocal.bench.load.UdpEchoWorkload;
import dev.portlocal.bench.load.UdpResult;
import dev.portlocal.bench.load.Window;
import dev.portlocal.bench.report.CrossCheck;
import dev.portlocal.bench.report.Metric;
import dev.portlocal.bench.report.ResultTable;
import dev.portlocal.bench.report.TargetKind;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Runs a whole benchmark: has the {@link Launcher} start the backends and the proxies, warms every target up, runs
 * every workload against every target in interleaved rounds (with the {@link ReferenceTools} cross-check right
 * before each direct run), and writes the report. Every wait is bounded, the run starts no work after the
 * deadline, and every child process is stopped by PID when the run ends, also on Ctrl-C (see {@link #stopAll}).
 */
public final class Runner {

    private final RunnerOptions options;
    private final Placement placement;
    private final String command;
    private final RunLog log;
    private final ProcStats proc = new ProcStats(clockTicks());
    private final ResultTable table = new ResultTable();
    private final ReferenceTools tools;
    private volatile Launcher launcher;
    private volatile boolean stopping;
    private long deadlineNanos;

    public Runner(RunnerOptions options, String command, PrintStream out) {
        this(options, Placement.loopback(), command, out);
    }

    Runner(RunnerOptions options, Placement placement, String command, PrintStream out) {
        this.options = requireNonNull(options, "options");
        this.placement = requireNonNull(placement, "placement");
        this.command = requireNonNull(command, "command");
        this.log = new RunLog(out);
        this.tools = new ReferenceTools(options, placement.backendHost(), log);
    }

    /**
     * Runs and writes the report.
     *
     * @return the report's path
     */
    public Path run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        String startedAt = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19);
        deadlineNanos = started + options.deadline().toNanos();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path outDir = options.outputDir().resolve(stamp + (options.quick() ? "-quick" : ""));
        Path runDir = outDir.resolve("run");
        Files.createDirectories(runDir);
        Launcher launcher = new Launcher(options, placement, runDir, log);
        this.launcher = launcher;
        launcher.checkPortsFree();
        try {
            launcher.startBackend();
            List<Target> targets = launcher.startTargets();
            for (Target target : targets) {
                table.addTarget(target.name(), target.kind());
            }
            if (options.crossCheck() && !options.footprintOnly()) {
                launcher.startIperf3Server();
            }
            try (LoadGenerator generator = new LoadGenerator(options.clientThreads())) {
                int rounds = options.footprintOnly() ? 0 : options.runs();
                for (int i = 0; i < targets.size() && rounds > 0; i++) {
                    warmUp(generator, targets.get(i));
                }
                for (int round = 1; round <= rounds && !pastDeadline(); round++) {
                    List<Target> order = new ArrayList<>(targets);
                    Collections.rotate(order, -(round - 1));
                    log.log("round %d of %d: %s", round, options.runs(), order.stream().map(Target::name).toList());
                    for (Target target : order) {
                        if (pastDeadline()) {
                            break;
                        }
                        if (options.crossCheck() && target.kind() == TargetKind.DIRECT) {
                            // Right before the generator's own direct run, so both see the same machine.
                            tools.run(round);
                        }
                        measure(generator, target, round);
                    }
                }
                if (options.footprintMappings() > 0) {
                    for (Target target : targets) {
                        if (pastDeadline()) {
                            break;
                        }
                        footprint(generator, target);
                    }
                }
            }
            if (System.nanoTime() > deadlineNanos) {
                log.note("The deadline of " + options.deadline().toSeconds() + " s was reached: the remaining "
                        + "workloads were skipped.");
            }
        } finally {
            launcher.stopAll();
        }
        for (Metric m : table.metrics()) {
            if (m.id().endsWith(Metrics.MACHINE_CPU)) {
                table.addDifferenceTo(TargetKind.DIRECT, m.id(), Metrics.addedCpu(m));
            }
        }
        List<CrossCheck> crossChecks = options.crossCheck() && !options.footprintOnly() ? tools.compare(table)
                : List.of();
        Path report = ReportWriter.write(outDir, options, placement, command, startedAt, table, crossChecks,
                log.notes());
        log.log("report: %s (%.0f s)", report, (System.nanoTime() - started) / 1e9);
        return report;
    }

    /**
     * Stops every child this run started, by PID, and makes the run start no further work. Idempotent; safe from
     * a shutdown hook.
     */
    public void stopAll() {
        stopping = true;
        Launcher current = launcher;
        if (current != null) {
            current.stopAll();
        }
    }

    private void measure(LoadGenerator generator, Target target, int round) throws InterruptedException {
        if (target.process().isPresent() && !target.process().get().isAlive()) {
            log.note("round " + round + ": " + target.name() + " had exited; skipped. Log: "
                    + target.process().get().log());
            return;
        }
        LongSupplier cpu = target.process().isPresent()
                ? () -> proc.cpuNanos(target.process().get().pid())
                : () -> -1;
        // Over veth the kernel's forwarding and NAT are part of the cost and no process is charged with them: read
        // the whole machine's busy time too, for every target (direct included, as the baseline).
        LongSupplier machine = placement.isNetns() ? proc::machineCpuNanos : () -> -1;
        Window window = new Window(options.warmup(), options.measure(), cpu, machine);
        BulkWorkload bulk = new BulkWorkload(generator);
        for (int streams : options.streams()) {
            for (Direction direction : Direction.values()) {
                attempt(target, round, "bulk " + direction + " P" + streams, () -> {
                    InetSocketAddress address = direction == Direction.UPLOAD ? target.sink() : target.source();
                    BulkWorkload.Result r = bulk.run(address, direction, streams, window);
                    table.add(target.name(), Metrics.bulkGbps(direction, streams), round, r.gbitPerSecond());
                    table.add(target.name(), Metrics.bulkEfficiency(direction, streams), round,
                            r.bytes() * 8 / 1e9 / r.measured().cpuSeconds());
                    table.add(target.name(), Metrics.bulkMachineCpu(direction, streams), round,
                            r.measured().machineCpuSeconds() * 1e3 / (r.bytes() / 1e9));
                    log.log("  %-22s bulk %-8s P%d %7.2f Gbit/s", target.name(), direction, streams,
                            r.gbitPerSecond());
                });
            }
        }
        KeepAliveWorkload keepAlive = new KeepAliveWorkload(generator);
        String closedName = "Keep-alive request/response, closed loop (C=" + options.connections() + ")";
        attempt(target, round, "keep-alive closed loop", () -> {
            RequestResult r = keepAlive.run(target.http(), options.connections(), OptionalDouble.empty(), window);
            recordRequests(target, round, "ka.closed", closedName, "requests", "req/s", "CPU µs per request", r);
            if (target.process().isPresent()) {
                // Read as the load ends: the connections are still open and the buffers still held.
                table.add(target.name(), Metrics.loadRss(closedName), round,
                        proc.rssKiB(target.process().get().pid()) / 1024.0);
            }
        });
        String openName = String.format(Locale.ROOT,
                "Keep-alive request/response, open loop at %.0f req/s (C=%d, latency from intended send time)",
                options.rate(), options.connections());
        attempt(target, round, "keep-alive open loop", () -> {
            RequestResult r = keepAlive.run(target.http(), options.connections(),
                    OptionalDouble.of(options.rate()), window);
            recordRequests(target, round, "ka.open", openName, "achieved", "req/s", "CPU µs per request", r);
            if (r.perSecond() < 0.95 * options.rate()) {
                log.note(String.format(Locale.ROOT, "round %d: %s could not sustain the open-loop rate of %.0f "
                        + "req/s (achieved %.0f): its open-loop latencies are those of a saturated target.", round,
                        target.name(), options.rate(), r.perSecond()));
            }
        });
        ConnectionPerRequestWorkload perRequest = new ConnectionPerRequestWorkload(generator);
        String connName = "New connection per request (C=" + options.connectConcurrency() + ")";
        attempt(target, round, "connection per request", () -> {
            RequestResult r = perRequest.run(target.http(), options.connectConcurrency(), window);
            recordRequests(target, round, "conn", connName, "connections", "conn/s", "CPU µs per connection", r);
        });
        if (options.udp().enabled() && target.udpEcho().isPresent()) {
            measureUdp(generator, target, round, window);
        }
        // Memory a process once took is not given back to the OS, so only a process's first idle run measures
        // growth: later rounds would report about zero for every target. The idle workload runs in round 1 only.
        if (options.idleConnections() > 0 && target.process().isPresent() && round == 1) {
            String idleName = "Idle connections (N=" + options.idleConnections() + ")";
            attempt(target, round, "idle connections", () -> {
                IdleConnectionsWorkload.Result r = new IdleConnectionsWorkload(generator).run(target.sink(),
                        options.idleConnections(), 1_000, 60_000, baseline -> memory(target, baseline));
                table.add(target.name(), Metrics.idleMemory(idleName), round, r.kibPerConnection());
                table.add(target.name(), Metrics.idlePss(idleName), round, r.pssKibPerConnection());
                if (target.jvm()) {
                    table.add(target.name(), Metrics.idleAfterGc(idleName), round, r.afterGcKibPerConnection());
                }
                table.add(target.name(), Metrics.idleBaseRss(idleName), round, r.before().rssKiB() / 1024.0);
                table.add(target.name(), Metrics.idleOpened(idleName), round, r.opened());
                log.log("  %-22s idle %d/%d held, %.2f KiB RSS, %.2f KiB PSS per connection (%.2f after GC); "
                        + "%.1f MiB RSS before", target.name(), r.opened(), r.requested(), r.kibPerConnection(),
                        r.pssKibPerConnection(), r.afterGcKibPerConnection(), r.before().rssKiB() / 1024.0);
            });
        }
    }

    private void measureUdp(LoadGenerator generator, Target target, int round, Window window)
            throws InterruptedException {
        RunnerOptions.UdpOptions udp = options.udp();
        InetSocketAddress address = target.udpEcho().orElseThrow();
        UdpEchoWorkload workload = new UdpEchoWorkload(generator);
        String note = Metrics.udpNote(udp.lossTimeout().toMillis() / 1e3);
        for (int size : udp.sizes()) {
            String name = Metrics.udpThroughputWorkload(size, udp.sockets(), udp.window());
            table.noteWorkload(name, note);
            attempt(target, round, "UDP throughput " + size + " B", () -> {
                UdpResult r = workload.run(address, udp.throughput(size), window);
                table.add(target.name(), Metrics.udpRate(name, size), round, r.perSecond());
                table.add(target.name(), Metrics.udpLoss("udp.tp." + size, name), round, r.lossPercent());
                table.add(target.name(), Metrics.udpCpu(name, size), round, r.cpuMicrosPerDatagram());
                table.add(target.name(), Metrics.machineCpu("udp.tp." + size, name, "", "µs per echoed datagram"),
                        round, r.machineCpuMicrosPerDatagram());
                log.log("  %-22s udp %5d B %,10.0f datagrams/s  lost %d (%.3f%%)  late %d  errors %d",
                        target.name(), size, r.perSecond(), r.lost(), r.lossPercent(), r.late(), r.errors());
                noteUdpTrouble(target, round, "UDP throughput " + size + " B", r);
            });
        }
        UdpEchoWorkload.Shape rr = udp.requestResponse();
        String name = Metrics.udpRequestResponseWorkload(rr.payloadBytes(), rr.sockets());
        table.noteWorkload(name, note);
        attempt(target, round, "UDP request/response", () -> {
            UdpResult r = workload.run(address, rr, window);
            recordRequests(target, round, "udp.rr", name, "echoed", "exchanges/s", "CPU µs per exchange",
                    r.asRequests());
            table.add(target.name(), Metrics.udpLoss("udp.rr", name), round, r.lossPercent());
            noteUdpTrouble(target, round, "UDP request/response", r);
        });
    }

    private void noteUdpTrouble(Target target, int round, String what, UdpResult r) {
        if (r.echoed() == 0 || r.lost() > 0 || r.late() > 0 || r.errors() > 0) {
            log.note(String.format(Locale.ROOT, "round %d: %s %s: %d echoed, %d lost, %d late, %d socket errors.",
                    round, target.name(), what, r.echoed(), r.lost(), r.late(), r.errors()));
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
        log.log("warming up %s (%d ms per workload, not measured)", target.name(), each.toMillis());
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
        if (options.udp().enabled() && target.udpEcho().isPresent()) {
            RunnerOptions.UdpOptions udp = options.udp();
            attempt(target, 0, "warm-up UDP throughput", () -> new UdpEchoWorkload(generator)
                    .run(target.udpEcho().get(), udp.throughput(udp.sizes().get(0)), window));
            attempt(target, 0, "warm-up UDP request/response", () -> new UdpEchoWorkload(generator)
                    .run(target.udpEcho().get(), udp.requestResponse(), window));
        }
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
        table.add(target.name(), Metrics.machineCpu(key, workload, "", cpuUnit), round,
                r.machineCpuMicrosPerOperation());
        table.addLatencies(workload, target.name(), r.latencies());
        log.log("  %-22s %-9s %,10.0f %s  p50 %.3f ms  p99 %.3f ms  errors %d", target.name(), key, r.perSecond(),
                rateUnit, r.millisAt(50), r.millisAt(99), r.errors());
        if (r.errors() > 0) {
            log.note("round " + round + ": " + target.name() + " " + key + ": " + r.errors()
                    + " failed connections or requests.");
        }
    }

    /**
     * The target's memory, the same way for every target: RSS and PSS as they are. For a JVM, also the RSS after
     * two full GCs (jcmd GC.run): before the connections the GC runs first, so the baseline is the settled heap
     * and the plain growth counts the garbage the connections made too (against the JVM, never for it); while
     * they are held the plain figures are read first and the GC runs after.
     */
    private IdleConnectionsWorkload.MemorySample memory(Target target, boolean baseline) {
        long pid = target.process().orElseThrow().pid();
        if (!target.jvm()) {
            return new IdleConnectionsWorkload.MemorySample(proc.rssKiB(pid), proc.pssKiB(pid), -1);
        }
        if (baseline) {
            fullGc(target, pid);
            long rss = proc.rssKiB(pid);
            return new IdleConnectionsWorkload.MemorySample(rss, proc.pssKiB(pid), rss);
        }
        long rss = proc.rssKiB(pid);
        long pss = proc.pssKiB(pid);
        fullGc(target, pid);
        return new IdleConnectionsWorkload.MemorySample(rss, pss, proc.rssKiB(pid));
    }

    private void fullGc(Target target, long pid) {
        OptionalLong java = proc.findJava(pid);
        if (java.isEmpty()) {
            return;
        }
        try {
            // Twice: the first full GC may resize the heap, the second measures the settled footprint.
            for (int i = 0; i < 2; i++) {
                Commands.run(List.of("jcmd", Long.toString(java.getAsLong()), "GC.run"), Duration.ofSeconds(30));
            }
        } catch (IOException e) {
            log.note(target.name() + ": jcmd GC.run failed, memory is without a full GC: "
                    + RunLog.firstLine(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The footprint workload: a fresh process of {@code target}'s program and settings with
     * {@link RunnerOptions#footprintMappings()} TCP mappings, as a node with a full port range runs it. It reads:
     * <ul>
     * <li>for portlocal, the time from the fork to its sd_notify {@code READY=1} (the runner stands in for systemd's
     * notify socket, see {@link ReadyListener}): the daemon's own word that its state is restored and every
     * listener bound, JVM start included;</li>
     * <li>for every target, the time from the fork until the probe first sees every port listening on the proxy's
     * address in the namespace where the proxy runs ({@link ProcStats#listeningPorts}; for portlocal one look after
     * READY, for the peers polled every {@link #PROBE_INTERVAL_MS} ms or more; the mean cost of one look is
     * reported beside it, as the figure's resolution);</li>
     * <li>after the settle time, idle, the process tree's RSS, PSS and threads;</li>
     * <li>then the same under the keep-alive closed loop (C as {@code --connections}) through the first mapping,
     * read at the end of the measured interval while the connections are open, and the req/s it served.</li>
     * </ul>
     * Measured once per run, after the rounds, so the throughput rounds never share the machine with it.
     */
    private void footprint(LoadGenerator generator, Target target) throws InterruptedException {
        int count = options.footprintMappings();
        String workload = String.format(Locale.ROOT, "Footprint: a fresh process with %,d TCP mappings "
                + "(idle after %d s, then keep-alive C=%d through one)", count, options.footprintSettle().toSeconds(),
                options.connections());
        attempt(target, 1, "footprint", () -> {
            Optional<ReadyListener> notify = Optional.empty();
            if (target.kind() == TargetKind.PORTLOCAL) {
                notify = Optional.of(new ReadyListener(Path.of(System.getProperty("java.io.tmpdir"),
                        "portlocal-bench-" + ProcessHandle.current().pid() + "-ready.sock")));
            }
            Map<String, String> env = notify.map(n -> Map.of("NOTIFY_SOCKET", n.socket())).orElse(Map.of());
            long started = System.nanoTime();
            Optional<ChildProcess> fresh = launcher.startFootprint(target, count, env);
            if (fresh.isEmpty()) {
                notify.ifPresent(ReadyListener::close);
                return;
            }
            try (ChildProcess child = fresh.get()) {
                long deadline = started + TimeUnit.SECONDS.toNanos(60);
                double readyMillis = Double.NaN;
                if (notify.isPresent()) {
                    // The daemon's own word, without polling anything while it starts: the probe below then
                    // checks once that every port listens.
                    while (notify.get().readyNanos() < 0 && System.nanoTime() < deadline && child.isAlive()) {
                        Thread.sleep(1);
                    }
                    long ready = notify.get().readyNanos();
                    if (ready < 0) {
                        log.note(target.name() + ": footprint: no READY=1 on NOTIFY_SOCKET " + (child.isAlive()
                                ? "within 60 s" : "before it exited") + ". Log: " + child.log());
                    } else {
                        readyMillis = (ready - started) / 1e6;
                    }
                }
                int listening = 0;
                long reads = 0;
                long readNanos = 0;
                long allListening = -1;
                while (System.nanoTime() < deadline && child.isAlive()) {
                    long t0 = System.nanoTime();
                    listening = proc.listeningPorts(child.pid(), placement.proxyHost(), Launcher.FOOTPRINT_BASE,
                            Launcher.FOOTPRINT_BASE + count - 1);
                    long t1 = System.nanoTime();
                    reads++;
                    readNanos += t1 - t0;
                    if (listening == count) {
                        allListening = t1;
                        break;
                    }
                    // At most a fifth of a core: one look costs about 25 ms with ss, and 70-370 ms from /proc
                    // when the namespace holds tens of thousands of TIME_WAIT sockets (see ProcStats), and a probe
                    // that polls flat out takes that CPU from the process it times.
                    Thread.sleep(Math.max(PROBE_INTERVAL_MS, 4 * (t1 - t0) / 1_000_000));
                }
                if (allListening < 0) {
                    log.note(target.name() + ": footprint skipped: " + listening + " of " + count + " ports seen "
                            + "listening on " + placement.proxyHost() + " " + (child.isAlive() ? "within 60 s"
                            : "before it exited") + ". Log: " + child.log());
                    return;
                }
                if (!Double.isNaN(readyMillis)) {
                    table.add(target.name(), Metrics.footprintReady(workload), 1, readyMillis);
                }
                double startMillis = (allListening - started) / 1e6;
                double probeMillis = readNanos / 1e6 / reads;
                Thread.sleep(options.footprintSettle().toMillis());
                long proxy = proc.withoutWrapper(child.pid());
                long rss = proc.rssKiB(proxy);
                long pss = proc.pssKiB(proxy);
                long threads = proc.threads(proxy);
                table.add(target.name(), Metrics.footprintStart(workload), 1, startMillis);
                table.add(target.name(), Metrics.footprintProbeCost(workload), 1, probeMillis);
                table.add(target.name(), Metrics.footprintRss(workload, false), 1, rss / 1024.0);
                table.add(target.name(), Metrics.footprintPss(workload, false), 1, pss / 1024.0);
                table.add(target.name(), Metrics.footprintThreads(workload, false), 1, threads);
                log.log("  %-22s footprint %d mappings: READY after %.0f ms, all listening seen after %.0f ms "
                        + "(%d probe looks, %.2f ms each); idle %.1f MiB RSS, %.1f MiB PSS, %d threads; load %s",
                        target.name(), count, readyMillis, startMillis, reads, probeMillis, rss / 1024.0,
                        pss / 1024.0, threads, loadAverage());
                footprintLoad(generator, target, child, workload);
            } finally {
                notify.ifPresent(ReadyListener::close);
            }
        });
    }

    /** The probe's shortest poll interval; it waits 4 times as long as its last read took, if that is longer. */
    static final long PROBE_INTERVAL_MS = 5;

    /** The footprint's second half: memory and threads under keep-alive load through the first mapping. */
    private void footprintLoad(LoadGenerator generator, Target target, ChildProcess child, String workload)
            throws IOException, InterruptedException {
        long pid = proc.withoutWrapper(child.pid());
        long[] sample = {-1, -1, -1};
        int[] calls = {0};
        // The window reads the machine's CPU as the measured interval starts and ends, on the calling thread, with
        // the load still running: the second call takes the memory sample.
        LongSupplier atEdges = () -> {
            if (++calls[0] == 2) {
                sample[0] = proc.rssKiB(pid);
                sample[1] = proc.pssKiB(pid);
                sample[2] = proc.threads(pid);
            }
            return -1;
        };
        Window window = new Window(options.warmup(), options.measure(), () -> proc.cpuNanos(pid), atEdges);
        RequestResult r = new KeepAliveWorkload(generator).run(placement.proxy(Launcher.FOOTPRINT_BASE),
                options.connections(), OptionalDouble.empty(), window);
        if (r.errors() > 0 || sample[0] < 0) {
            log.note(target.name() + ": footprint under load: " + r.errors() + " failed connections or requests"
                    + (sample[0] < 0 ? ", no memory sample" : "") + ".");
        }
        if (sample[0] < 0) {
            return;
        }
        table.add(target.name(), Metrics.footprintRss(workload, true), 1, sample[0] / 1024.0);
        table.add(target.name(), Metrics.footprintPss(workload, true), 1, sample[1] / 1024.0);
        table.add(target.name(), Metrics.footprintThreads(workload, true), 1, sample[2]);
        table.add(target.name(), Metrics.footprintLoadRate(workload), 1, r.perSecond());
        log.log("  %-22s footprint under keep-alive C=%d: %,.0f req/s, p99 %.3f ms, errors %d; %.1f MiB RSS, "
                + "%.1f MiB PSS, %d threads; load %s", target.name(), options.connections(), r.perSecond(),
                r.millisAt(99), r.errors(), sample[0] / 1024.0, sample[1] / 1024.0, sample[2], loadAverage());
    }

    /** The first three fields of /proc/loadavg, for the log: other work on the machine moves every figure. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
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
            log.note("round " + round + ": " + target.name() + " " + what + " failed: "
                    + RunLog.firstLine(e.getMessage()));
        }
    }

    private boolean pastDeadline() {
        return stopping || System.nanoTime() > deadlineNanos;
    }

    private static long clockTicks() {
        return Commands.probe(List.of("getconf", "CLK_TCK")).map(String::trim).map(Long::parseLong).orElse(100L);
    }
}
