package dev.portlocal.config;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiLimits;
import dev.portlocal.file.MappingFileInput;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.logging.LogSetup;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Durations;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.net.IoTransport;
import dev.portlocal.reader.EndpointReader;
import dev.portlocal.state.StateStore;
import dev.portlocal.tcp.pipe.SplicePolicy;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.tcp.relay.TcpKeepalive;
import dev.portlocal.udp.UdpConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The daemon's options, each described once. {@code portlocal run} and {@code portlocal check} take each as a flag
 * and as a key of the {@code --config} file; {@code --help}, docs/cli.md and the reload's restart check follow this
 * list. To add an option: add a constant here and put it in {@link #ALL}; read it with
 * {@code DaemonConfig.get(DaemonOptions.X)} (or a typed accessor of {@code DaemonConfig}).
 */
public final class DaemonOptions {

    public static final Option<Path> MAPPINGS = Option.builder("mappings", OptionType.path())
            .label("FILE")
            .defaultText("none")
            .reloadable()
            .help("The mapping file to watch (.yaml, .yml, .json).")
            .build();

    public static final Option<PortRange> PORT_RANGE = Option.builder("portRange",
                    OptionType.text((field, text) -> PortRange.parse(text)))
            .label("A-B")
            .defaultValue(PortRange.DEFAULT)
            .help("The node port range.")
            .build();

    public static final Option<List<InetAddress>> LISTEN_ADDRESSES = Option.builder("listenAddresses",
                    OptionType.list(Addresses::parseIp, Addresses::format))
            .flag("--listen-address")
            .label("IP")
            .defaultValue(List.of(any(4), any(16)))
            .check((field, value) -> {
                if (value.isEmpty()) {
                    throw new IllegalArgumentException(field + ": [] (expected: at least one address)");
                }
            })
            .help("Where node ports bind; repeatable.")
            .build();

    public static final Option<List<InetAddress>> NODE_IPS = Option.builder("nodeIps",
                    OptionType.list(Addresses::parseIp, Addresses::format))
            .flag("--node-ip")
            .label("IP")
            .defaultValue(List.of())
            .defaultText("detected")
            .check(DaemonOptions::onePerFamily)
            .help("The node's address to publish, one per family; repeatable.")
            .build();

    public static final Option<Integer> MAX_MAPPING_FILE_BYTES = Option.builder("maxMappingFileBytes",
                    OptionType.integer(1, (int) MappingFileParser.MAX_BYTES_LIMIT))
            .label("BYTES")
            .defaultValue((int) MappingFileInput.DEFAULT_MAX_BYTES)
            .help("The largest mapping file read; a larger one is refused whole.")
            .build();

    public static final Option<List<Cidr>> ALLOWED_TARGETS = Option.builder("allowedTargets",
                    OptionType.list(Cidr::parse, Cidr::toString))
            .flag("--allowed-target")
            .label("CIDR")
            .defaultValue(List.of())
            .defaultText("any")
            .help("Only addresses in these blocks may be mapping targets; repeatable. Unspecified, multicast, "
                    + "broadcast and link-local targets are refused always.")
            .build();

    public static final Option<Boolean> ALLOW_LOOPBACK_TARGETS = Option.builder("allowLoopbackTargets",
                    OptionType.text(DaemonOptions::strictBoolean))
            .label("true|false")
            .defaultValue(true)
            .help("Whether mappings may target loopback (127.0.0.0/8, ::1).")
            .build();

    public static final Option<Path> STATE_DIR = Option.builder("stateDir", OptionType.path())
            .label("DIR")
            .defaultValue(StateStore::defaultStateDir, "$STATE_DIRECTORY, else ~/.local/state/portlocal")
            .help("Where node port assignments and API endpoints persist.")
            .build();

    public static final Option<IoTransport> TRANSPORT = Option.builder("transport",
                    OptionType.text((field, text) -> IoTransport.parse(text)))
            .label("auto|epoll|nio")
            .defaultValue(IoTransport.AUTO)
            .help("The I/O layer.")
            .build();

    public static final Option<Integer> THREADS = Option.builder("threads", OptionType.integer(1, 256))
            .label("N")
            // One loop per two CPUs: on 2 cores one loop was ahead of two on every TCP workload of the bench
            // (bench/RESULTS.md, 2026-12-04), and the node's workloads need the other core.
            .defaultValue(() -> Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                    "half the CPU count, at least 1")
            .help("Event loops of the data plane.")
            .build();

    public static final Option<Duration> DRAIN_TIMEOUT = Option.builder("drainTimeout", OptionType.duration())
            .label("DURATION")
            .defaultValue(Duration.ofSeconds(30))
            .check(DaemonOptions::notNegative)
            .help("How long connections of a removed mapping, or at shutdown, may go on.")
            .build();

    public static final Option<Duration> CONNECT_TIMEOUT = Option.builder("connectTimeout", OptionType.duration())
            .label("DURATION")
            .defaultValue(RelayConfig.DEFAULT.connectTimeout())
            .check(DaemonOptions::positive)
            .help("Connect timeout to the endpoint; then the client is reset.")
            .build();

    public static final Option<Duration> IDLE_TIMEOUT = Option.builder("idleTimeout", OptionType.duration())
            .label("DURATION")
            .defaultValue(RelayConfig.DEFAULT.idleTimeout())
            .check(DaemonOptions::positive)
            .help("Close a TCP connection idle in both directions this long.")
            .build();

    public static final Option<TcpKeepalive> TCP_KEEPALIVE = Option.builder("tcpKeepalive",
                    OptionType.text(TcpKeepalive::parse))
            .label("IDLE/INTERVAL/COUNT|off")
            .defaultValue(RelayConfig.DEFAULT.keepalive())
            .help("TCP keepalive on relayed sockets: probe after IDLE without traffic, every INTERVAL, reset after "
                    + "COUNT unanswered.")
            .build();

    public static final Option<SplicePolicy> SPLICE = Option.builder("splice",
                    OptionType.text((field, text) -> SplicePolicy.parse(text)))
            .label("auto|always|never")
            .defaultValue(RelayConfig.DEFAULT.splicePolicy())
            .help("Zero-copy splice for bulk flows (auto: after 3 full reads; needs the pipe shim).")
            .build();

    public static final Option<Integer> PIPE_SIZE = Option.builder("pipeSize",
                    OptionType.integer(1, Integer.MAX_VALUE))
            .label("BYTES")
            .defaultValue(RelayConfig.DEFAULT.pipeSize())
            .validatedBy(RelayConfig.DEFAULT::withPipeSize)
            .help("Pipe capacity for splice, set with F_SETPIPE_SZ; at most fs.pipe-max-size.")
            .build();

    public static final Option<Integer> MAX_PIPES_PER_LOOP = Option.builder("maxPipesPerLoop",
                    OptionType.integer(0, Integer.MAX_VALUE))
            .label("N")
            .defaultValue(RelayConfig.DEFAULT.maxPipesPerLoop())
            .help("Pipes one event loop may hold at once; past it a flow copies.")
            .build();

    public static final Option<Duration> UDP_IDLE_TIMEOUT = Option.builder("udpIdleTimeout", OptionType.duration())
            .label("DURATION")
            .defaultValue(UdpConfig.DEFAULT.idleTimeout())
            .check(DaemonOptions::positive)
            .help("End a UDP session idle this long.")
            .build();

    public static final Option<HealthCheck> HEALTH_CHECK = Option.builder("healthCheck",
                    OptionType.object(EndpointReader::readHealthCheck, DaemonOptions::formatHealthCheck))
            .label("CHECK")
            .defaultText("none")
            .help("Check every TCP port without a healthCheck of its own, e.g. '{interval: 2s, timeout: 1s, rise: 2,"
                    + " fall: 2}' ('{}' for those defaults).")
            .build();

    public static final Option<Integer> UDP_MAX_SESSIONS = Option.builder("udpMaxSessions",
                    OptionType.integer(1, Integer.MAX_VALUE))
            .label("N")
            .defaultValue(UdpConfig.DEFAULT.maxSessions())
            .help("UDP sessions per mapping; past it new clients are dropped and counted.")
            .build();

    public static final Option<String> LOG_LEVEL = Option.builder("logLevel",
                    OptionType.text((field, text) -> LogSetup.parse(text).toString().toLowerCase(Locale.ROOT)))
            .label("LEVEL")
            .defaultValue("info")
            .reloadable()
            .help("trace, debug, info, warn or error.")
            .build();

    public static final Option<String> LOG_FORMAT = Option.builder("logFormat",
                    OptionType.text((field, text) -> LogSetup.parseFormat(text) ? "json" : "logfmt"))
            .label("logfmt|json")
            .defaultValue("logfmt")
            .reloadable()
            .help("logfmt (key=value; in the journal's form under systemd) or json, one object per line.")
            .build();

    public static final Option<ApiAddress> API = Option.builder("api",
                    OptionType.text((field, text) -> ApiAddress.parse(text)))
            .label("ADDR:PORT|unix:PATH")
            .defaultValue(ApiAddress.parse(ApiAddress.DEFAULT))
            .help("Where the HTTP API listens.")
            .build();

    public static final Option<Optional<Path>> API_SOCKET = Option.builder("apiSocket",
                    OptionType.text(DaemonOptions::socketPath, p -> p.map(Path::toString).orElse("none")))
            .label("PATH|none")
            .defaultValue(DaemonOptions::defaultSocket, "$RUNTIME_DIRECTORY/api.sock under systemd, else none")
            .help("A unix socket for the API besides --api, mode 0660: its owner and group may change mappings "
                    + "without a token.")
            .build();

    public static final Option<String> API_SOCKET_GROUP = Option.builder("apiSocketGroup",
                    OptionType.text(DaemonOptions::existingGroup))
            .label("NAME")
            .defaultText("the daemon's group")
            .help("Give the API's unix socket to this group after the bind (mode 0660 stays): its members may "
                    + "change mappings without a token. The group must exist, with the daemon's user in it.")
            .build();

    public static final Option<Path> API_TOKEN_FILE = Option.builder("apiTokenFile", OptionType.path())
            .label("FILE")
            .defaultValue(DaemonOptions::credentialToken, "$CREDENTIALS_DIRECTORY/api-token if present, else none")
            .help("Require Authorization: Bearer <the token in FILE> on every change over TCP, and on reads from "
                    + "other hosts. Without a token, TCP is read-only and changes go through the unix socket.")
            .build();

    public static final Option<Boolean> API_INSECURE = Option.builder("apiInsecure", OptionType.bool())
            .defaultValue(false)
            .help("Trust every TCP client without a token: changes over TCP, and the API on a non-loopback "
                    + "address. For development only; logged as event=api_insecure.")
            .build();

    public static final Option<Path> API_TLS_CERT = Option.builder("apiTlsCert", OptionType.path())
            .label("FILE")
            .defaultText("none")
            .help("Serve the TCP API over HTTPS with this PEM certificate chain (with --api-tls-key); re-read on "
                    + "SIGHUP.")
            .build();

    public static final Option<Path> API_TLS_KEY = Option.builder("apiTlsKey", OptionType.path())
            .label("FILE")
            .defaultText("none")
            .help("The PEM (PKCS#8) private key of --api-tls-cert; re-read on SIGHUP.")
            .build();

    public static final Option<Duration> API_REQUEST_TIMEOUT = Option.builder("apiRequestTimeout",
                    OptionType.duration())
            .label("DURATION")
            .defaultValue(ApiLimits.DEFAULT_REQUEST_TIMEOUT)
            .check(DaemonOptions::positive)
            .help("The time an API connection has for a whole request (headers and body), from the connect or the "
                    + "last response; then 408 and closed.")
            .build();

    public static final Option<Integer> API_MAX_CONNECTIONS = Option.builder("apiMaxConnections",
                    OptionType.integer(1, 65536))
            .label("N")
            .defaultValue(ApiLimits.DEFAULT_MAX_CONNECTIONS)
            .help("API connections open at once, per listener; past it a new one is closed at once and counted.")
            .build();

    public static final Option<Boolean> ACCESS_LOG = Option.builder("accessLog", OptionType.bool())
            .defaultValue(false)
            .help("One log line (event=access) per TCP connection when it ends: client, node port, endpoint, "
                    + "duration, bytes, relay mode, why it ended; a port's accessLog overrides it.")
            .build();

    public static final Option<List<Cidr>> ALLOW_FROM = Option.builder("allowFrom",
                    OptionType.list(Cidr::parse, Cidr::toString))
            .flag("--allow-from")
            .label("CIDR")
            .defaultValue(List.of())
            .defaultText("any")
            .help("Accept clients from these blocks only, on every port without an allowFrom of its own; "
                    + "repeatable. Others get a reset (TCP) or are dropped (UDP), counted.")
            .build();

    public static final Option<Integer> MAX_CONNECTIONS = Option.builder("maxConnections",
                    OptionType.integer(1, Integer.MAX_VALUE))
            .label("N")
            .defaultText("none")
            .help("TCP connections over every mapping at once; past it new ones are reset and counted "
                    + "(a port's maxConnections caps its own).")
            .build();

    public static final Option<Boolean> METRICS_LATENCY_PER_MAPPING = Option.builder("metrics.latencyPerMapping",
                    OptionType.bool())
            .flag("--metrics-latency-per-mapping")
            .defaultValue(false)
            .help("One connect-latency histogram per mapping in /metrics (17 series each), not one for the daemon.")
            .build();

    public static final Option<Boolean> KUBERNETES = Option.builder("kubernetes.enabled", OptionType.bool())
            .flag("--kubernetes")
            .defaultValue(false)
            .help("Map the Pods of this node that annotated Services select, and write their annotation.")
            .build();

    public static final Option<String> KUBERNETES_NODE_NAME = Option.builder("kubernetes.nodeName",
                    OptionType.text((field, text) -> {
                        if (text.isBlank()) {
                            throw new IllegalArgumentException(field + ": \"" + text
                                    + "\" (expected: this node's name)");
                        }
                        return text.strip();
                    }))
            .label("NAME")
            .defaultValue(() -> blankToNull(System.getenv("NODE_NAME")), "$NODE_NAME")
            .help("This node's name, as the Node object has it; a DaemonSet sets NODE_NAME from spec.nodeName.")
            .build();

    public static final Option<Path> KUBERNETES_KUBECONFIG = Option.builder("kubernetes.kubeconfig",
                    OptionType.path())
            .label("FILE")
            .defaultText("in-cluster")
            .help("A kubeconfig file for running outside the cluster; by default the Pod's service account.")
            .build();

    /** Every option, in the order of {@code --help} and docs/cli.md. */
    public static final List<Option<?>> ALL = List.of(MAPPINGS, MAX_MAPPING_FILE_BYTES, PORT_RANGE,
            LISTEN_ADDRESSES, NODE_IPS, ALLOWED_TARGETS, ALLOW_LOOPBACK_TARGETS, STATE_DIR, TRANSPORT, THREADS,
            DRAIN_TIMEOUT, CONNECT_TIMEOUT, IDLE_TIMEOUT, TCP_KEEPALIVE, SPLICE, PIPE_SIZE, MAX_PIPES_PER_LOOP,
            UDP_IDLE_TIMEOUT, UDP_MAX_SESSIONS, HEALTH_CHECK, LOG_LEVEL, LOG_FORMAT, API, API_SOCKET,
            API_SOCKET_GROUP, API_TOKEN_FILE, API_INSECURE, API_TLS_CERT, API_TLS_KEY, API_REQUEST_TIMEOUT,
            API_MAX_CONNECTIONS, ACCESS_LOG, ALLOW_FROM, MAX_CONNECTIONS, METRICS_LATENCY_PER_MAPPING, KUBERNETES,
            KUBERNETES_NODE_NAME, KUBERNETES_KUBECONFIG);

    /** The reader of the {@code --config} file. */
    public static final ConfigFile FILE = new ConfigFile(ALL);

    private DaemonOptions() {
    }

    private static String formatHealthCheck(HealthCheck c) {
        return "{interval: " + Durations.format(c.interval()) + ", timeout: " + Durations.format(c.timeout())
                + ", rise: " + c.rise() + ", fall: " + c.fall() + "}";
    }

    private static void positive(String field, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(field + ": " + OptionType.formatDuration(value) + " (expected: > 0)");
        }
    }

    private static void notNegative(String field, Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + ": " + OptionType.formatDuration(value) + " (expected: >= 0)");
        }
    }

    private static void onePerFamily(String field, List<InetAddress> ips) {
        Set<IpFamily> seen = EnumSet.noneOf(IpFamily.class);
        for (InetAddress ip : ips) {
            if (!seen.add(IpFamily.of(ip))) {
                throw new IllegalArgumentException(field + ": " + Addresses.format(ip)
                        + " (expected: at most one address per family)");
            }
        }
    }

    /**
     * The token systemd hands the service with {@code LoadCredential=api-token:FILE}: readable by the service's
     * user only, so the file itself can stay root's under {@code DynamicUser=}. Null if there is none.
     */
    private static Path credentialToken() {
        String dir = blankToNull(System.getenv("CREDENTIALS_DIRECTORY"));
        if (dir == null) {
            return null;
        }
        Path token = Path.of(dir, "api-token");
        return Files.isRegularFile(token) ? token : null;
    }

    private static Optional<Path> socketPath(String field, String text) {
        if (text.equals("none")) {
            return Optional.empty();
        }
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException(field + ": " + text + " (expected: an absolute path, or none)");
        }
        return Optional.of(Path.of(text));
    }

    /** The name of a group this host knows (getent group NAME). */
    private static String existingGroup(String field, String text) {
        String name = text.strip();
        if (name.isEmpty()) {
            throw new IllegalArgumentException(field + ": \"" + text + "\" (expected: a group name, e.g. portlocal)");
        }
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalArgumentException(field + ": " + name + " (expected: an existing group; no group "
                    + name + " on this host: create it with groupadd --system " + name + ")");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(field + ": " + name + " (cannot look the group up: " + e + ")");
        }
        return name;
    }

    /**
     * {@code $RUNTIME_DIRECTORY/api.sock} when systemd made the runtime directory ({@code RuntimeDirectory=}), else
     * {@code /run/portlocal/api.sock} when that directory exists and systemd started the daemon
     * ({@code $INVOCATION_ID}); else none.
     */
    private static Optional<Path> defaultSocket() {
        String runtime = blankToNull(System.getenv("RUNTIME_DIRECTORY"));
        if (runtime != null) {
            return Optional.of(Path.of(runtime.split(":")[0], "api.sock"));
        }
        Path run = Path.of(ApiAddress.DEFAULT_SOCKET);
        if (blankToNull(System.getenv("INVOCATION_ID")) != null && Files.isDirectory(run.getParent())) {
            return Optional.of(run);
        }
        return Optional.empty();
    }

    private static Boolean strictBoolean(String field, String text) {
        if (text.equals("true") || text.equals("false")) {
            return Boolean.valueOf(text);
        }
        throw new IllegalArgumentException(field + ": " + text + " (expected: true or false)");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static InetAddress any(int length) {
        try {
            return InetAddress.getByAddress(new byte[length]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
