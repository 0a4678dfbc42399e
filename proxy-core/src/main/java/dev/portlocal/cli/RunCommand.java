package dev.portlocal.cli;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.daemon.Daemon;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.daemon.Signals;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Durations;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.proxy.Transport;
import dev.portlocal.relay.RelayConfig;
import dev.portlocal.relay.SplicePolicy;
import dev.portlocal.systemd.SystemdSettings;
import dev.portlocal.udp.UdpConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code portlocal run}: the daemon. SIGTERM or SIGINT drains and exits 0 (a second one exits at once); SIGHUP
 * reloads the {@code --config} file (flags still win over it) and the mapping file.
 */
@Command(name = "run", description = "Run the daemon: watch the mapping file, serve the HTTP API, and serve the "
        + "node ports of both.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML file with any of these options in camelCase. Flags win over it.")
    Path config;

    @Option(names = "--mappings", paramLabel = "FILE", description = "The mapping file to watch (.yaml, .yml, .json).")
    Path mappings;

    @Option(names = "--port-range", paramLabel = "A-B", description = "Node port range (default: 61000-62000).")
    String portRange;

    @Option(names = "--listen-address", paramLabel = "IP",
            description = "Address node ports bind on; repeatable (default: 0.0.0.0 and ::).")
    List<String> listenAddresses;

    @Option(names = "--node-ip", paramLabel = "IP",
            description = "The node's address to publish, one per family; repeatable.")
    List<String> nodeIps;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where assignments persist (default: $STATE_DIRECTORY, else ~/.local/state/portlocal).")
    Path stateDir;

    @Option(names = "--transport", paramLabel = "auto|epoll|nio", description = "I/O layer (default: auto).")
    String transport;

    @Option(names = "--threads", paramLabel = "N", description = "Event loops (default: the CPU count).")
    Integer threads;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "How long connections of a removed mapping, or at shutdown, may go on (default: 30s).")
    String drainTimeout;

    @Option(names = "--connect-timeout", paramLabel = "DURATION",
            description = "Connect timeout to the endpoint; then the client is reset (default: 3s).")
    String connectTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "Close a connection idle in both directions this long (default: 1h).")
    String idleTimeout;

    @Option(names = "--splice", paramLabel = "auto|always|never",
            description = "Zero-copy splice for bulk flows (default: auto: after 3 full reads; needs the pipe shim).")
    String splice;

    @Option(names = "--pipe-size", paramLabel = "BYTES",
            description = "Pipe capacity for splice, set with F_SETPIPE_SZ (default: 1048576; at most "
                    + "fs.pipe-max-size).")
    Integer pipeSize;

    @Option(names = "--max-pipes-per-loop", paramLabel = "N",
            description = "Pipes each event loop may hold at once; past it a flow copies (default: 256).")
    Integer maxPipesPerLoop;

    @Option(names = "--udp-idle-timeout", paramLabel = "DURATION",
            description = "End a UDP session idle this long (default: 60s).")
    String udpIdleTimeout;

    @Option(names = "--udp-max-sessions", paramLabel = "N",
            description = "UDP sessions per mapping; past it new clients are dropped and counted (default: 16384).")
    Integer udpMaxSessions;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "trace, debug, info, warn, error (default: info).")
    String logLevel;

    @Option(names = "--api", paramLabel = "ADDR:PORT|unix:PATH",
            description = "Where the HTTP API listens (default: " + ApiAddress.DEFAULT + ").")
    String api;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "Require Authorization: Bearer <the token in FILE> on every change, and on reads from "
                    + "other hosts.")
    Path apiTokenFile;

    @Option(names = "--api-insecure", description = "Allow the API on a non-loopback address without a token.")
    Boolean apiInsecure;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        DaemonConfig cfg;
        try {
            cfg = toConfig();
        } catch (IllegalArgumentException e) {
            err.println("portlocal run: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        Daemon daemon = new Daemon(cfg);
        // Before the start: systemd may send SIGHUP as soon as it sees READY=1, and an unhandled SIGHUP ends the JVM.
        installSignalHandlers(daemon);
        Signals.on("HUP", () -> daemon.reload(this::toConfig));
        try {
            daemon.start();
        } catch (MappingFileException e) {
            for (String error : e.errors()) {
                err.println(error);
            }
            daemon.stop();
            return ExitCodes.INVALID;
        } catch (IllegalArgumentException e) {
            err.println("portlocal run: " + e.getMessage());
            daemon.stop();
            return ExitCodes.INVALID;
        } catch (RuntimeException e) {
            err.println("portlocal run: cannot start: " + (e.getMessage() == null ? e : e.getMessage()));
            daemon.stop();
            return ExitCodes.FAILURE;
        }
        try {
            daemon.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            daemon.stop();
        }
        return ExitCodes.OK;
    }

    /** First SIGTERM or SIGINT: stop accepting, drain, exit 0. A second one: exit at once. */
    static void installSignalHandlers(Daemon daemon) {
        AtomicInteger count = new AtomicInteger();
        Runnable handler = () -> {
            if (count.incrementAndGet() == 1) {
                Thread t = new Thread(daemon::stop, "portlocal-shutdown");
                t.setDaemon(false);
                t.start();
            } else {
                Runtime.getRuntime().halt(ExitCodes.FAILURE);
            }
        };
        Signals.on("TERM", handler);
        Signals.on("INT", handler);
    }

    /**
     * Merges the flags over the {@code --config} file (read anew on each call, so SIGHUP sees its changes), then
     * applies the log level. The level is applied only when everything is valid.
     *
     * @throws IllegalArgumentException naming the first invalid flag or key
     */
    DaemonConfig toConfig() {
        ConfigFile file = config == null ? ConfigFile.EMPTY : ConfigFile.load(config);
        String level = pick(logLevel, file.logLevel());
        if (level != null) {
            Logging.validate(level);
        }
        DaemonConfig.Builder b = DaemonConfig.builder();
        b.systemd(SystemdSettings.fromEnvironment(System.getenv(), ProcessHandle.current().pid()));
        String m = pick(mappings == null ? null : mappings.toString(), file.mappings());
        if (m != null) {
            b.mappingsFile(Path.of(m));
        }
        String range = pick(portRange, file.portRange());
        if (range != null) {
            b.portRange(PortRange.parse(range));
        }
        List<String> listen = pick(listenAddresses, file.listenAddresses());
        if (listen != null) {
            b.listenAddresses(parseIps("listen-address", listen));
        }
        List<String> node = pick(nodeIps, file.nodeIps());
        if (node != null) {
            List<InetAddress> ips = parseIps("node-ip", node);
            Set<IpFamily> seen = EnumSet.noneOf(IpFamily.class);
            for (InetAddress ip : ips) {
                if (!seen.add(IpFamily.of(ip))) {
                    throw new IllegalArgumentException("node-ip: " + Addresses.format(ip)
                            + " (expected: at most one address per family)");
                }
            }
            b.nodeIps(ips);
        }
        String dir = pick(stateDir == null ? null : stateDir.toString(), file.stateDir());
        if (dir != null) {
            b.stateDir(Path.of(dir));
        }
        String t = pick(transport, file.transport());
        if (t != null) {
            b.transport(Transport.parse(t));
        }
        Integer n = pick(threads, file.threads());
        if (n != null) {
            b.threads(n);
        }
        String drain = pick(drainTimeout, file.drainTimeout());
        if (drain != null) {
            b.drainTimeout(Durations.parse("drain-timeout", drain));
        }
        RelayConfig relay = RelayConfig.DEFAULT;
        String connect = pick(connectTimeout, file.connectTimeout());
        if (connect != null) {
            relay = relay.withConnectTimeout(positive("connect-timeout", connect));
        }
        String idle = pick(idleTimeout, file.idleTimeout());
        if (idle != null) {
            relay = relay.withIdleTimeout(positive("idle-timeout", idle));
        }
        String sp = pick(splice, file.splice());
        if (sp != null) {
            relay = relay.withSplicePolicy(SplicePolicy.parse(sp));
        }
        Integer ps = pick(pipeSize, file.pipeSize());
        if (ps != null) {
            relay = relay.withPipeSize(ps);
        }
        Integer mp = pick(maxPipesPerLoop, file.maxPipesPerLoop());
        if (mp != null) {
            relay = relay.withMaxPipesPerLoop(mp);
        }
        b.relay(relay);
        UdpConfig udp = UdpConfig.DEFAULT;
        String udpIdle = pick(udpIdleTimeout, file.udpIdleTimeout());
        if (udpIdle != null) {
            udp = udp.withIdleTimeout(positive("udp-idle-timeout", udpIdle));
        }
        Integer udpMax = pick(udpMaxSessions, file.udpMaxSessions());
        if (udpMax != null) {
            udp = udp.withMaxSessions(udpMax);
        }
        b.udp(udp);
        String apiAddress = pick(api, file.api());
        if (apiAddress != null) {
            b.api(ApiAddress.parse(apiAddress));
        }
        String tokenFile = pick(apiTokenFile == null ? null : apiTokenFile.toString(), file.apiTokenFile());
        if (tokenFile != null) {
            b.apiTokenFile(Path.of(tokenFile));
        }
        b.apiInsecure(Boolean.TRUE.equals(pick(apiInsecure, file.apiInsecure())));
        DaemonConfig built = b.build();
        Logging.level(level == null ? "info" : level);
        return built;
    }

    private static Duration positive(String field, String value) {
        Duration d = Durations.parse(field, value);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
        }
        return d;
    }

    private static List<InetAddress> parseIps(String field, List<String> values) {
        List<InetAddress> out = new ArrayList<>();
        for (String v : values) {
            out.add(Addresses.parseIp(field, v));
        }
        return out;
    }

    private static <T> T pick(T flag, T fromFile) {
        return flag != null ? flag : fromFile;
    }
}
