package dev.portlocal.bench.runner;

import dev.portlocal.bench.report.TargetKind;
import dev.portlocal.bench.runner.PeerConfigs.Route;
import dev.portlocal.bench.runner.RunnerOptions.PortlocalMode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import static java.util.Objects.requireNonNull;

/**
 * Starts what a run needs as child processes where its {@link Placement} puts them (all on 127.0.0.1, or the backends
 * in a pod namespace and the proxies in a node namespace): the backends, the iperf3 server and every proxy target,
 * each on its fixed ports; installs the kernel-DNAT rules over veth; and stops them all by PID (and removes the
 * rules). A proxy that fails to start is skipped with a note; one whose UDP listener does not echo keeps its TCP
 * workloads and skips the UDP ones, with a note.
 */
final class Launcher {

    static final int SINK_PORT = 5201;
    static final int SOURCE_PORT = 5202;
    static final int HTTP_PORT = 5280;
    /** A UDP port: UDP and TCP are separate port spaces, but no TCP listener of the run uses it either. */
    static final int UDP_ECHO_PORT = 5207;
    static final int IPERF3_PORT = 5301;
    static final String PORTLOCAL_RANGE = "61000-62000";
    static final String NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

    /** Children never live longer than this, even if the runner is killed. */
    private static final Duration CHILD_LIFETIME = Duration.ofMinutes(70);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final RunnerOptions options;
    private final Placement placement;
    private final Path runDir;
    private final RunLog log;
    private final List<ChildProcess> children = new CopyOnWriteArrayList<>();
    private volatile boolean dnatInstalled;

    Launcher(RunnerOptions options, Placement placement, Path runDir, RunLog log) {
        this.options = requireNonNull(options, "options");
        this.placement = requireNonNull(placement, "placement");
        this.runDir = requireNonNull(runDir, "runDir");
        this.log = requireNonNull(log, "log");
    }

    /** The baseline: the backends themselves, reached over the placement's path with nothing in between. */
    static Target direct(Placement placement) {
        return new Target("direct", TargetKind.DIRECT, placement.backend(SINK_PORT), placement.backend(SOURCE_PORT),
                placement.backend(HTTP_PORT), Optional.of(placement.backend(UDP_ECHO_PORT)), Optional.empty(),
                false);
    }

    /** Stops every child started so far, by PID, and removes the DNAT rules. Idempotent; safe from a shutdown hook. */
    void stopAll() {
        for (ChildProcess child : children) {
            child.stop();
        }
        if (dnatInstalled) {
            dnatInstalled = false;
            try {
                Commands.run(placement.inProxy(List.of("nft", "delete", "table", "ip", PeerConfigs.NFT_TABLE)),
                        Duration.ofSeconds(10));
            } catch (IOException e) {
                log.log("removing the DNAT rules failed (the namespace goes away with the run): %s", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** On loopback, the fixed ports must be free; a topology's namespaces are new, so there is nothing to check. */
    void checkPortsFree() throws IOException {
        if (placement.isNetns()) {
            return;
        }
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
        for (int port : List.of(UDP_ECHO_PORT, nginxUdpPort())) {
            if (UdpProbe.inUse(port)) {
                throw new IOException("UDP port " + port + " on 127.0.0.1 is in use (expected: free; is another "
                        + "bench run or a stale proxy still up?)");
            }
        }
    }

    void startBackend() throws IOException, InterruptedException {
        List<String> cmd = placement.inBackend(List.of(java(), "-Xms256m", "-Xmx256m", "-XX:+UseParallelGC",
                "-Dio.netty.leakDetection.level=disabled",
                "-cp", System.getProperty("java.class.path"), "dev.portlocal.bench.backend.BackendMain",
                "--host", placement.backendHost(), "--sink-port", Integer.toString(SINK_PORT),
                "--source-port", Integer.toString(SOURCE_PORT), "--http-port", Integer.toString(HTTP_PORT),
                "--udp-echo-port", Integer.toString(UDP_ECHO_PORT),
                "--threads", Integer.toString(options.backendThreads()),
                "--max-seconds", Long.toString(CHILD_LIFETIME.toSeconds())));
        ChildProcess backend = startChild("backend", cmd);
        backend.awaitListening(List.of(placement.backend(SINK_PORT), placement.backend(SOURCE_PORT),
                placement.backend(HTTP_PORT)), START_TIMEOUT);
        if (!UdpProbe.echoes(placement.backend(UDP_ECHO_PORT), START_TIMEOUT)) {
            throw new IOException("the backend's UDP echo on " + placement.backend(UDP_ECHO_PORT) + " did not "
                    + "answer; log: " + backend.log());
        }
        log.log("backend up: pid=%d sink=%d source=%d http=%d udp-echo=%d", backend.pid(), SINK_PORT, SOURCE_PORT,
                HTTP_PORT, UDP_ECHO_PORT);
    }

    void startIperf3Server() throws IOException, InterruptedException {
        if (!Commands.onPath("iperf3")) {
            log.note("iperf3 is not installed: the bulk cross-check was skipped.");
            return;
        }
        ChildProcess iperf = startChild("iperf3-server", placement.inBackend(
                List.of("iperf3", "-s", "-B", placement.backendHost(), "-p", Integer.toString(IPERF3_PORT))));
        iperf.awaitListening(List.of(placement.backend(IPERF3_PORT)), START_TIMEOUT);
    }

    /**
     * Starts the proxy targets the options ask for; direct first, then the kernel's DNAT, portlocal's variants, then
     * the peers.
     */
    List<Target> startTargets() throws InterruptedException, IOException {
        List<Target> targets = new ArrayList<>();
        targets.add(direct(placement));
        if (options.targets().contains("kernel-dnat")) {
            startKernelDnat(targets);
        }
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

    private ChildProcess startChild(String name, List<String> cmd) throws IOException {
        return startChild(name, cmd, Map.of());
    }

    private ChildProcess startChild(String name, List<String> cmd, Map<String, String> env) throws IOException {
        ChildProcess child = ChildProcess.start(name, cmd, env, CHILD_LIFETIME, runDir.resolve(name + ".log"));
        children.add(child);
        return child;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<Route> routes(int sinkPort, int sourcePort, int httpPort) {
        return List.of(new Route("sink", sinkPort, SINK_PORT), new Route("source", sourcePort, SOURCE_PORT),
                new Route("http", httpPort, HTTP_PORT));
    }

    /** The three TCP routes, then the UDP echo's when {@code udpPort} is present. */
    private static List<Route> routes(int sinkPort, int sourcePort, int httpPort, Optional<Integer> udpPort) {
        List<Route> routes = new ArrayList<>(routes(sinkPort, sourcePort, httpPort));
        udpPort.ifPresent(port -> routes.add(new Route("udp-echo", port, UDP_ECHO_PORT, true)));
        return routes;
    }

    static int haproxyPort(int threads, int route) {
        return 62100 + 10 * threads + route + 1;
    }

    static int nginxPort(int route) {
        return 62151 + route;
    }

    /** The kernel-DNAT target's node ports: TCP routes, then the UDP echo's. */
    static int kernelDnatPort(int route) {
        return 62201 + route;
    }

    /** nginx's UDP listener: after its three TCP ones (UDP is its own port space, but one number is clearer). */
    static int nginxUdpPort() {
        return nginxPort(3);
    }

    /** The HTTP API port of the {@code variant}-th portlocal target (the bench never calls it). */
    static int portlocalApiPort(int variant) {
        return 62171 + variant;
    }

    /** Target names: {@code portlocal-t1}; with modes other than the default, {@code portlocal-MODE-t1}. */
    static String portlocalName(RunnerOptions options, PortlocalMode mode, int threads) {
        boolean named = options.portlocalModes().size() > 1 || !mode.equals(RunnerOptions.DEFAULT_MODE);
        return "portlocal" + (named ? "-" + mode.name() : "") + "-t" + threads;
    }

    /**
     * NodePortLocal's data plane: one nftables DNAT rule per route in the node namespace (see
     * {@link PeerConfigs#kernelDnat}). No process: its cost is kernel time, which the run reads from /proc/stat.
     */
    private void startKernelDnat(List<Target> targets) throws InterruptedException, IOException {
        if (!Commands.onPath("nft")) {
            log.note("kernel-dnat was skipped: nft is not installed (bench/run.sh --topology netns installs "
                    + "nftables).");
            return;
        }
        String name = "kernel-dnat";
        List<Route> routes = routes(kernelDnatPort(0), kernelDnatPort(1), kernelDnatPort(2),
                options.udp().enabled() ? Optional.of(kernelDnatPort(3)) : Optional.empty());
        Path rules = runDir.resolve(name + ".nft").toAbsolutePath();
        Files.writeString(rules, PeerConfigs.kernelDnat(routes, placement.backendHost()));
        try {
            Commands.run(placement.inProxy(List.of("nft", "-f", rules.toString())), Duration.ofSeconds(10));
        } catch (IOException e) {
            log.note(name + " was skipped: nft -f failed: " + RunLog.firstLine(e.getMessage()));
            return;
        }
        dnatInstalled = true;
        List<InetSocketAddress> tcp = routes.stream().filter(r -> !r.udp()).map(r -> placement.proxy(r.listenPort()))
                .toList();
        for (InetSocketAddress address : tcp) {
            if (!ChildProcess.accepts(address)) {
                log.note(name + " was skipped: " + address + " does not reach the backend through the DNAT rule.");
                return;
            }
        }
        Optional<InetSocketAddress> udpEcho = Optional.empty();
        for (Route route : routes) {
            if (route.udp() && UdpProbe.echoes(placement.proxy(route.listenPort()), START_TIMEOUT)) {
                udpEcho = Optional.of(placement.proxy(route.listenPort()));
            } else if (route.udp()) {
                log.note(name + ": UDP through the DNAT rule did not echo; its UDP workloads were skipped.");
            }
        }
        log.log("%s up: rules=%s ports=%s", name, rules,
                routes.stream().map(r -> r.listenPort() + (r.udp() ? "/udp" : "")).toList());
        targets.add(new Target(name, TargetKind.KERNEL, tcp.get(0), tcp.get(1), tcp.get(2), udpEcho,
                Optional.empty(), false));
    }

    private void startPortlocal(List<Target> targets) throws InterruptedException, IOException {
        Path jar = options.portlocalJar();
        if (!Files.isRegularFile(jar)) {
            log.note("portlocal was skipped: " + jar + " does not exist yet (build proxy-core first).");
            return;
        }
        // The daemon serves an HTTP API on 127.0.0.1:9180 by default; give each instance its own port.
        String help = Commands.run(List.of(java(), "-jar", jar.toString(), "run", "--help"), Duration.ofSeconds(30),
                false);
        boolean hasApi = help.contains("--api=");
        boolean hasUdp = help.contains("--udp-idle-timeout");
        if (options.udp().enabled() && !hasUdp) {
            log.note("portlocal has no UDP forwarding in " + jar + " (no --udp-idle-timeout): its UDP workloads "
                    + "were skipped.");
        }
        boolean udp = options.udp().enabled() && hasUdp;
        int variant = 0;
        for (PortlocalMode mode : options.portlocalModes()) {
            for (int threads : options.portlocalThreads()) {
                String name = portlocalName(options, mode, threads);
                int base = 61000 + 10 * variant++;
                List<Route> routes = routes(base + 1, base + 2, base + 3,
                        udp ? Optional.of(base + 4) : Optional.empty());
                List<String> cmd = portlocalCommand(runDir.resolve(name), jar, mode, threads, routes, PORTLOCAL_RANGE,
                        hasApi ? OptionalInt.of(portlocalApiPort(variant - 1)) : OptionalInt.empty(), udp);
                startProxy(targets, name, TargetKind.PORTLOCAL, cmd, routes, true);
            }
        }
    }

    /** The command of a portlocal instance serving {@code routes}, with its mapping file and state under dir. */
    private List<String> portlocalCommand(Path dir, Path jar, PortlocalMode mode, int threads, List<Route> routes,
            String range, OptionalInt apiPort, boolean udp) throws IOException {
        Files.createDirectories(dir.resolve("state"));
        Path mappings = dir.resolve("mappings.yaml");
        Files.writeString(mappings, PeerConfigs.portlocalMappings(routes, placement.backendHost()));
        List<String> cmd = new ArrayList<>(placement.inProxy(List.of(java())));
        cmd.addAll(options.portlocalJavaOptions());
        cmd.addAll(List.of("-jar", jar.toString(), "run", "--mappings", mappings.toString(),
                "--port-range", range, "--state-dir", dir.resolve("state").toString(),
                "--threads", Integer.toString(threads),
                // Where every other target listens; a short drain so it stops within our grace time.
                "--listen-address", placement.proxyHost(), "--node-ip", placement.proxyHost(),
                "--drain-timeout", "2s"));
        if (apiPort.isPresent()) {
            cmd.addAll(List.of("--api", "127.0.0.1:" + apiPort.getAsInt()));
        }
        if (udp) {
            // Sessions end as nginx's do; the default cap (16,384 per mapping) is far above what a run opens.
            cmd.addAll(List.of("--udp-idle-timeout", PeerConfigs.UDP_SESSION_TIMEOUT));
        }
        cmd.addAll(mode.args());
        return cmd;
    }

    /** The footprint instances' node ports start here: above the run's own ports and the ephemeral range. */
    static final int FOOTPRINT_BASE = 63000;
    /** HAProxy's maxconn there: its fds for this many plus the listeners stay under the fd limit. */
    static final int FOOTPRINT_MAXCONN = 4_000;
    /** Their API port, one instance at a time. */
    static final int FOOTPRINT_API_PORT = 62190;

    /**
     * Starts a fresh instance of {@code target} (same program, same settings) with {@code count} TCP routes on ports
     * {@link #FOOTPRINT_BASE} and up, for the footprint workload; empty for a target without a process of its own.
     * The first route goes to the HTTP backend (the footprint's keep-alive load runs through it), the others to the
     * sink and stay idle. {@code env} is added to the child's environment (portlocal's {@code NOTIFY_SOCKET}). The
     * caller waits for its listeners and stops it.
     */
    Optional<ChildProcess> startFootprint(Target target, int count, Map<String, String> env) throws IOException {
        List<Route> routes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            routes.add(new Route("fp" + i, FOOTPRINT_BASE + i, i == 0 ? HTTP_PORT : SINK_PORT));
        }
        String name = "footprint-" + target.name();
        Path dir = runDir.resolve(name).toAbsolutePath();
        Files.createDirectories(dir);
        if (target.kind() == TargetKind.PORTLOCAL) {
            for (PortlocalMode mode : options.portlocalModes()) {
                for (int threads : options.portlocalThreads()) {
                    if (portlocalName(options, mode, threads).equals(target.name())) {
                        return Optional.of(startChild(name, portlocalCommand(dir, options.portlocalJar(), mode,
                                threads, routes, FOOTPRINT_BASE + "-" + (FOOTPRINT_BASE + count - 1),
                                OptionalInt.of(FOOTPRINT_API_PORT), false), env));
                    }
                }
            }
        } else if (target.name().startsWith("haproxy-splice-t")) {
            int threads = Integer.parseInt(target.name().substring("haproxy-splice-t".length()));
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, PeerConfigs.haproxy(threads, routes, placement.proxyHost(),
                    placement.backendHost(), FOOTPRINT_MAXCONN));
            return Optional.of(startChild(name, placement.inProxy(List.of("haproxy", "-db", "-f", cfg.toString()))));
        } else if (target.name().startsWith("nginx")) {
            Path conf = dir.resolve("nginx.conf");
            Files.writeString(conf, PeerConfigs.nginx(dir.toString(), NGINX_STREAM_MODULE, routes,
                    placement.proxyHost(), placement.backendHost()));
            return Optional.of(startChild(name, placement.inProxy(List.of("nginx", "-p", dir.toString(), "-c",
                    conf.toString(), "-e", dir.resolve("error.log").toString()))));
        }
        return Optional.empty();
    }

    private void startHaproxy(List<Target> targets) throws InterruptedException, IOException {
        if (!Commands.onPath("haproxy")) {
            log.note("HAProxy was skipped: not installed (bench/run.sh installs it).");
            return;
        }
        for (int threads : List.of(1, 2)) {
            String name = "haproxy-splice-t" + threads;
            List<Route> routes = routes(haproxyPort(threads, 0), haproxyPort(threads, 1), haproxyPort(threads, 2));
            Path cfg = runDir.resolve(name + ".cfg");
            Files.writeString(cfg, PeerConfigs.haproxy(threads, routes, placement.proxyHost(),
                    placement.backendHost()));
            startProxy(targets, name, TargetKind.PEER,
                    placement.inProxy(List.of("haproxy", "-db", "-f", cfg.toString())), routes, false);
        }
    }

    private void startNginx(List<Target> targets) throws InterruptedException, IOException {
        if (!Commands.onPath("nginx") || !Files.exists(Path.of(NGINX_STREAM_MODULE))) {
            log.note("nginx was skipped: nginx or libnginx-mod-stream is not installed (bench/run.sh installs "
                    + "them).");
            return;
        }
        String name = "nginx-w1";
        List<Route> routes = routes(nginxPort(0), nginxPort(1), nginxPort(2),
                options.udp().enabled() ? Optional.of(nginxUdpPort()) : Optional.empty());
        Path dir = runDir.resolve(name).toAbsolutePath();
        Files.createDirectories(dir);
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, PeerConfigs.nginx(dir.toString(), NGINX_STREAM_MODULE, routes,
                placement.proxyHost(), placement.backendHost()));
        startProxy(targets, name, TargetKind.PEER, placement.inProxy(List.of("nginx", "-p", dir.toString(), "-c",
                conf.toString(), "-e", dir.resolve("error.log").toString())), routes, false);
    }

    private void startProxy(List<Target> targets, String name, TargetKind kind, List<String> cmd,
            List<Route> routes, boolean jvm) throws InterruptedException, IOException {
        ChildProcess child = startChild(name, cmd);
        List<Route> tcp = routes.stream().filter(r -> !r.udp()).toList();
        try {
            child.awaitListening(tcp.stream().map(r -> placement.proxy(r.listenPort())).toList(), START_TIMEOUT);
        } catch (IOException e) {
            log.note(name + " was skipped: it did not start: " + RunLog.firstLine(e.getMessage()));
            log.log("%s did not start: %s", name, e.getMessage());
            child.stop();
            return;
        }
        Optional<InetSocketAddress> udpEcho = Optional.empty();
        for (Route route : routes) {
            if (route.udp()) {
                InetSocketAddress address = placement.proxy(route.listenPort());
                if (UdpProbe.echoes(address, START_TIMEOUT)) {
                    udpEcho = Optional.of(address);
                } else {
                    log.note(name + ": its UDP listener on " + address + " did not echo within "
                            + START_TIMEOUT.toSeconds() + " s; its UDP workloads were skipped. Log: " + child.log());
                }
            }
        }
        log.log("%s up: pid=%d ports=%s", name, child.pid(),
                routes.stream().map(r -> r.listenPort() + (r.udp() ? "/udp" : "")).toList());
        targets.add(new Target(name, kind, placement.proxy(tcp.get(0).listenPort()),
                placement.proxy(tcp.get(1).listenPort()), placement.proxy(tcp.get(2).listenPort()), udpEcho,
                Optional.of(child), jvm));
    }
}
