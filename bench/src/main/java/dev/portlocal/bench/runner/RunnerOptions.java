package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.UdpEchoWorkload;
import dev.portlocal.bench.transport.Transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The runner's options, parsed from {@code bench/run.sh}'s arguments. {@code --quick} changes the defaults so a run
 * finishes in about 2 minutes; explicit options still win, whatever their order.
 */
public record RunnerOptions(
        boolean quick,
        TopologyKind topology,
        int runs,
        Duration warmup,
        Duration measure,
        List<Integer> streams,
        int connections,
        double rate,
        int connectConcurrency,
        int idleConnections,
        int footprintMappings,
        Duration footprintSettle,
        boolean footprintOnly,
        UdpOptions udp,
        Set<String> targets,
        List<PortlocalMode> portlocalModes,
        List<Integer> portlocalThreads,
        Path portlocalJar,
        List<String> portlocalJavaOptions,
        int clientThreads,
        int backendThreads,
        boolean crossCheck,
        Duration deadline,
        Path outputDir) {

    /** Every target kind the runner knows, in report order. */
    public static final List<String> KNOWN_TARGETS = List.of("direct", "kernel-dnat", "portlocal", "haproxy", "nginx");

    /** Where the run happens: everything on loopback, or generator, proxy and backends in namespaces over veth. */
    public enum TopologyKind {
        LOOPBACK, NETNS
    }

    /** The largest idle set that keeps a proxy (2 fds per connection) under the 20,000 fd hard limit. */
    public static final int MAX_IDLE_CONNECTIONS = 9_500;

    /** The footprint's ports are 63000 and up, below the top of the port space. */
    public static final int MAX_FOOTPRINT_MAPPINGS = 2_000;

    /** The JVM options the daemon ships with (systemd unit, Debian wrapper and image): the bench's default too. */
    static final Path SHIPPED_JVM_OPTIONS = Path.of("systemd/jvm.options");

    public RunnerOptions {
        requireNonNull(topology, "topology");
        requireNonNull(warmup, "warmup");
        requireNonNull(measure, "measure");
        streams = List.copyOf(streams);
        requireNonNull(udp, "udp");
        targets = Set.copyOf(targets);
        portlocalModes = List.copyOf(portlocalModes);
        portlocalThreads = List.copyOf(portlocalThreads);
        requireNonNull(portlocalJar, "portlocalJar");
        portlocalJavaOptions = List.copyOf(portlocalJavaOptions);
        requireNonNull(deadline, "deadline");
        requireNonNull(outputDir, "outputDir");
        checkRange("runs", runs, 1, 20);
        checkRange("connections", connections, 1, 5_000);
        checkRange("conn-concurrency", connectConcurrency, 1, 5_000);
        checkRange("idle", idleConnections, 0, MAX_IDLE_CONNECTIONS);
        checkRange("footprint", footprintMappings, 0, MAX_FOOTPRINT_MAPPINGS);
        requireNonNull(footprintSettle, "footprintSettle");
        if (footprintOnly && footprintMappings == 0) {
            throw new IllegalArgumentException("footprint-only: with --footprint 0 (expected: at least 1 mapping)");
        }
        checkRange("client-threads", clientThreads, 1, 64);
        checkRange("backend-threads", backendThreads, 1, 64);
        if (streams.isEmpty()) {
            throw new IllegalArgumentException("streams: empty (expected: at least one stream count)");
        }
        for (int s : streams) {
            checkRange("streams", s, 1, 256);
        }
        for (int t : portlocalThreads) {
            checkRange("portlocal-threads", t, 1, 64);
        }
        if (!(rate > 0) || rate > 10_000_000) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: 1-10000000 requests per second)");
        }
        if (measure.compareTo(Duration.ofMillis(200)) < 0 || measure.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("duration: " + measure.toMillis() / 1e3 + " (expected: 0.2-60 s)");
        }
        if (warmup.isNegative() || warmup.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new IllegalArgumentException("warmup: " + warmup.toMillis() / 1e3 + " (expected: 0-30 s)");
        }
        if (deadline.compareTo(Duration.ofSeconds(10)) < 0 || deadline.compareTo(Duration.ofMinutes(60)) > 0) {
            throw new IllegalArgumentException("deadline: " + deadline.toSeconds() + " (expected: 10-3600 s)");
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets: empty (expected: some of " + KNOWN_TARGETS + ")");
        }
        if (!targets.contains("direct")) {
            throw new IllegalArgumentException("targets: " + targets + " (expected: to include direct, the baseline)");
        }
        if (targets.contains("kernel-dnat") && topology != TopologyKind.NETNS) {
            throw new IllegalArgumentException("targets: kernel-dnat (expected: with --topology netns; on loopback "
                    + "there is no forwarding path for a DNAT rule to stand in)");
        }
        if (portlocalModes.isEmpty() || portlocalThreads.isEmpty()) {
            throw new IllegalArgumentException("portlocal modes and threads: (expected: at least one of each)");
        }
    }

    /**
     * One way to run portlocal: a name for the report and the extra daemon arguments, e.g.
     * {@code splice-always} with {@code --splice always}. Written {@code name} or {@code name=arg arg ...}.
     */
    public record PortlocalMode(String name, List<String> args) {
        public PortlocalMode {
            requireNonNull(name, "name");
            if (!name.matches("[a-z0-9][a-z0-9-]{0,30}")) {
                throw new IllegalArgumentException("portlocal mode name: " + name
                        + " (expected: lower-case letters, digits and dashes)");
            }
            args = List.copyOf(args);
        }

        static PortlocalMode parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                return new PortlocalMode(spec.trim(), List.of());
            }
            String rest = spec.substring(eq + 1).trim();
            return new PortlocalMode(spec.substring(0, eq).trim(),
                    rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
        }
    }

    /**
     * The UDP workloads: throughput with {@code sockets} connected sockets (each its own proxy session) and
     * {@code window} datagrams in flight on each, once per payload size; request/response with {@code rrSockets}
     * sockets and one datagram in flight, at the first size. A datagram not echoed within {@code lossTimeout} is
     * lost.
     */
    public record UdpOptions(boolean enabled, List<Integer> sizes, int sockets, int window, int rrSockets,
            Duration lossTimeout) {
        public UdpOptions {
            sizes = List.copyOf(sizes);
            requireNonNull(lossTimeout, "lossTimeout");
            if (sizes.isEmpty()) {
                throw new IllegalArgumentException("udp-sizes: empty (expected: at least one payload size)");
            }
            for (int size : sizes) {
                checkRange("udp-sizes", size, UdpEchoWorkload.HEADER_BYTES, Transport.MAX_DATAGRAM);
            }
            checkRange("udp-sockets", sockets, 1, 1_000);
            checkRange("udp-window", window, 1, 1_024);
            checkRange("udp-rr-sockets", rrSockets, 1, 1_000);
            if (lossTimeout.compareTo(Duration.ofMillis(10)) < 0 || lossTimeout.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("udp-loss-timeout: " + lossTimeout.toMillis() / 1e3
                        + " (expected: 0.01-10 s)");
            }
        }

        /** The throughput workload's shape at one payload size. */
        public UdpEchoWorkload.Shape throughput(int size) {
            return new UdpEchoWorkload.Shape(sockets, window, size, lossTimeout);
        }

        /** The request/response workload's shape: one datagram in flight per socket, the first size. */
        public UdpEchoWorkload.Shape requestResponse() {
            return new UdpEchoWorkload.Shape(rrSockets, 1, sizes.get(0), lossTimeout);
        }
    }

    /** The mode portlocal runs in until it grows relay modes: its defaults. */
    public static final PortlocalMode DEFAULT_MODE = new PortlocalMode("default", List.of());

    /** Over veth, both relay policies by default: splice when a flow is bulk, and never. */
    public static final List<PortlocalMode> NETNS_MODES = List.of(PortlocalMode.parse("auto=--splice auto"),
            PortlocalMode.parse("never=--splice never"));

    /**
     * Parses the arguments. Unknown options and bad values throw {@link IllegalArgumentException} with a message
     * that names the option and what was expected.
     */
    public static RunnerOptions parse(List<String> args) {
        boolean quick = args.contains("--quick");
        TopologyKind topology = TopologyKind.LOOPBACK;
        Integer runs = null;
        Double warmup = null;
        Double duration = null;
        List<Integer> streams = null;
        int connections = 50;
        double rate = 20_000;
        int connectConcurrency = 50;
        Integer idle = null;
        int footprint = 1_001;
        Double footprintSettle = null;
        boolean footprintOnly = false;
        boolean udp = true;
        List<Integer> udpSizes = null;
        int udpSockets = 8;
        int udpWindow = 16;
        int udpRrSockets = 50;
        double udpLossTimeout = 0.2;
        Set<String> targets = null;
        List<PortlocalMode> modes = new ArrayList<>();
        List<Integer> portlocalThreads = List.of(1, 2);
        Path jar = Path.of("proxy-core/target/portlocal.jar");
        List<String> javaOptions = java.nio.file.Files.isRegularFile(SHIPPED_JVM_OPTIONS)
                ? List.of("@" + SHIPPED_JVM_OPTIONS.toAbsolutePath()) : List.of();
        int clientThreads = 1;
        int backendThreads = 1;
        boolean crossCheck = true;
        Double deadline = null;
        Path out = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--quick" -> { }
                case "--topology" -> topology = topologyValue(value(args, ++i, arg));
                case "--no-cross-check" -> crossCheck = false;
                case "--runs" -> runs = intValue(arg, value(args, ++i, arg));
                case "--warmup" -> warmup = number(arg, value(args, ++i, arg));
                case "--duration" -> duration = number(arg, value(args, ++i, arg));
                case "--streams" -> streams = intList(arg, value(args, ++i, arg));
                case "--connections" -> connections = intValue(arg, value(args, ++i, arg));
                case "--rate" -> rate = number(arg, value(args, ++i, arg));
                case "--conn-concurrency" -> connectConcurrency = intValue(arg, value(args, ++i, arg));
                case "--idle" -> idle = intValue(arg, value(args, ++i, arg));
                case "--footprint" -> footprint = intValue(arg, value(args, ++i, arg));
                case "--footprint-settle" -> footprintSettle = number(arg, value(args, ++i, arg));
                case "--footprint-only" -> footprintOnly = true;
                case "--no-udp" -> udp = false;
                case "--udp-sizes" -> udpSizes = intList(arg, value(args, ++i, arg));
                case "--udp-sockets" -> udpSockets = intValue(arg, value(args, ++i, arg));
                case "--udp-window" -> udpWindow = intValue(arg, value(args, ++i, arg));
                case "--udp-rr-sockets" -> udpRrSockets = intValue(arg, value(args, ++i, arg));
                case "--udp-loss-timeout" -> udpLossTimeout = number(arg, value(args, ++i, arg));
                case "--targets" -> targets = targetSet(value(args, ++i, arg));
                case "--portlocal-mode" -> modes.add(PortlocalMode.parse(value(args, ++i, arg)));
                case "--portlocal-threads" -> portlocalThreads = intList(arg, value(args, ++i, arg));
                case "--portlocal-jar" -> jar = Path.of(value(args, ++i, arg));
                case "--portlocal-java-opts" -> javaOptions = splitWords(value(args, ++i, arg));
                case "--client-threads" -> clientThreads = intValue(arg, value(args, ++i, arg));
                case "--backend-threads" -> backendThreads = intValue(arg, value(args, ++i, arg));
                case "--deadline" -> deadline = number(arg, value(args, ++i, arg));
                case "--out" -> out = Path.of(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option: " + arg + " (expected: see --help)");
            }
        }
        boolean netns = topology == TopologyKind.NETNS;
        if (targets == null) {
            targets = new LinkedHashSet<>(KNOWN_TARGETS);
            if (!netns) {
                targets.remove("kernel-dnat");
            }
        }
        return new RunnerOptions(
                quick,
                topology,
                runs != null ? runs : quick ? 1 : 3,
                millis(warmup != null ? warmup : quick ? 0.3 : 0.5),
                millis(duration != null ? duration : quick ? 1.2 : 2.5),
                streams != null ? streams : quick ? List.of(1) : List.of(1, 4),
                connections,
                rate,
                connectConcurrency,
                idle != null ? idle : quick ? 2_000 : 9_000,
                footprint,
                millis(footprintSettle != null ? footprintSettle : quick ? 3 : 10),
                footprintOnly,
                new UdpOptions(udp, udpSizes != null ? udpSizes : quick ? List.of(64) : List.of(64, 1400),
                        udpSockets, udpWindow, udpRrSockets, millis(udpLossTimeout)),
                targets,
                modes.isEmpty() ? netns ? NETNS_MODES : List.of(DEFAULT_MODE) : modes,
                portlocalThreads,
                jar,
                javaOptions,
                clientThreads,
                backendThreads,
                crossCheck,
                millis(deadline != null ? deadline : quick ? netns ? 300 : 130 : netns ? 1500 : 840),
                out != null ? out : Path.of("bench/target/results"));
    }

    /** The usage text for {@code --help}. */
    public static String usage() {
        return String.join("\n",
                "usage: bench/run.sh [options]",
                "  --quick                 short run for a smoke test (about 2 min): 1 run, 1.2 s per workload",
                "  --topology loopback|netns  where: all on 127.0.0.1 (default), or generator in an lb namespace,",
                "                          proxies and kernel DNAT in a node namespace, backends in a pod behind it,",
                "                          over veth (needs root and iproute2; adds the kernel-dnat target; modes",
                "                          default to auto and never; deadline 1500 s, quick 300 s)",
                "  --runs N                rounds; every target runs once per round, interleaved (default 3)",
                "  --warmup S, --duration S  seconds dropped / measured per workload (default 0.5 / 2.5)",
                "  --streams 1,4           bulk parallel stream counts (default 1,4; quick 1)",
                "  --connections C         keep-alive connections (default 50, as wrk -c50)",
                "  --rate R                open-loop requests per second across all connections (default 20000)",
                "  --conn-concurrency C    connection-per-request slots (default 50)",
                "  --idle N                idle connections held (default 9000, max " + MAX_IDLE_CONNECTIONS
                        + "; quick 2000; 0 skips)",
                "  --footprint N           after the rounds, start each proxy afresh with N TCP mappings (ports",
                "                          63000 and up): start to READY (portlocal, sd_notify) and to all",
                "                          listening; RSS, PSS and threads idle, then under keep-alive load",
                "                          through the first mapping (default 1001, a full default port range;",
                "                          0 skips)",
                "  --footprint-only        no warm-up, rounds or cross-check: the footprint workload alone",
                "  --footprint-settle S    seconds the fresh process idles before it is measured (default 10;",
                "                          quick 3)",
                "  --no-udp                skip the UDP workloads",
                "  --udp-sizes 64,1400     UDP payload bytes, a throughput run each; request/response uses the",
                "                          first (default 64,1400; quick 64)",
                "  --udp-sockets N, --udp-window W  UDP throughput: N sockets (each its own proxy session), W",
                "                          datagrams in flight on each (default 8, 16)",
                "  --udp-rr-sockets N      UDP request/response sockets, one datagram in flight each (default 50)",
                "  --udp-loss-timeout S    a datagram not echoed within S seconds is lost (default 0.2)",
                "  --targets a,b           some of " + String.join(",", KNOWN_TARGETS) + " (direct is required;",
                "                          kernel-dnat only with --topology netns)",
                "  --portlocal-mode M[=ARGS]  repeatable: a relay mode and its daemon args, e.g.",
                "                          'splice-always=--splice always' (default: one mode, 'default')",
                "  --portlocal-threads 1,2 daemon --threads values, each its own target (default 1,2)",
                "  --portlocal-jar PATH    (default proxy-core/target/portlocal.jar; skipped if missing)",
                "  --portlocal-java-opts 'OPTS'  JVM options for the daemon (default: @systemd/jvm.options, the",
                "                          options it ships with; '' for the JVM's own defaults)",
                "  --client-threads N, --backend-threads N  event loops of the generator / backends (default 1)",
                "  --no-cross-check        skip the direct iperf3 and wrk runs",
                "  --deadline S            stop starting work after S seconds (default 840; quick 130)",
                "  --out DIR               report directory (default bench/target/results)");
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + ": missing value");
        }
        return args.get(i);
    }

    private static int intValue(String option, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: an integer)");
        }
    }

    private static double number(String option, String value) {
        try {
            double d = Double.parseDouble(value.trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: a number)");
        }
    }

    private static List<Integer> intList(String option, String value) {
        List<Integer> list = new ArrayList<>();
        for (String part : value.split(",")) {
            list.add(intValue(option, part));
        }
        return list;
    }

    private static Set<String> targetSet(String value) {
        Set<String> set = new LinkedHashSet<>();
        for (String part : value.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (!KNOWN_TARGETS.contains(name)) {
                throw new IllegalArgumentException("targets: " + part + " (expected: some of " + KNOWN_TARGETS + ")");
            }
            set.add(name);
        }
        return set;
    }

    private static TopologyKind topologyValue(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "loopback" -> TopologyKind.LOOPBACK;
            case "netns" -> TopologyKind.NETNS;
            default -> throw new IllegalArgumentException("topology: " + value + " (expected: loopback or netns)");
        };
    }

    private static List<String> splitWords(String value) {
        String trimmed = value.trim();
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\s+"));
    }

    private static Duration millis(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static void checkRange(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: " + min + "-" + max + ")");
        }
    }
}
