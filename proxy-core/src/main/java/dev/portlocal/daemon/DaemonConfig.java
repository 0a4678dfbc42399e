package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiLimits;
import dev.portlocal.api.ApiServer;
import dev.portlocal.config.DaemonOptions;
import dev.portlocal.config.Option;
import dev.portlocal.config.OptionValues;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.PortRange;
import dev.portlocal.net.IoTransport;
import dev.portlocal.systemd.SystemdSettings;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.udp.UdpConfig;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Everything the daemon runs with: the values of the {@link DaemonOptions} (flags merged over the config file),
 * each option not set reading as its default, plus what the environment gives (systemd's settings). Building one
 * only checks values; it reads no file and changes nothing.
 *
 * <p>Immutable and thread-safe.
 */
public final class DaemonConfig {

    private final OptionValues options;
    private final int apiMaxBodyBytes;
    private final SystemdSettings systemd;
    private final RelayConfig relay;
    private final UdpConfig udp;

    private DaemonConfig(Builder b) {
        this.options = b.options;
        this.apiMaxBodyBytes = b.apiMaxBodyBytes;
        this.systemd = b.systemd;
        this.relay = RelayConfig.DEFAULT
                .withConnectTimeout(get(DaemonOptions.CONNECT_TIMEOUT))
                .withIdleTimeout(get(DaemonOptions.IDLE_TIMEOUT))
                .withKeepalive(get(DaemonOptions.TCP_KEEPALIVE))
                .withSplicePolicy(get(DaemonOptions.SPLICE))
                .withPipeSize(get(DaemonOptions.PIPE_SIZE))
                .withMaxPipesPerLoop(get(DaemonOptions.MAX_PIPES_PER_LOOP));
        this.udp = UdpConfig.DEFAULT
                .withIdleTimeout(get(DaemonOptions.UDP_IDLE_TIMEOUT))
                .withMaxSessions(get(DaemonOptions.UDP_MAX_SESSIONS));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The value of {@code option}: as set, else its default (null for an option without one). */
    public <T> T get(Option<T> option) {
        return options.get(option);
    }

    /** The values as set, without the defaults. */
    public OptionValues options() {
        return options;
    }

    /** The options that need a restart and whose values differ between this config and {@code other}. */
    public List<Option<?>> restartRequiredChanges(DaemonConfig other) {
        List<Option<?>> changed = new ArrayList<>();
        for (Option<?> option : DaemonOptions.ALL) {
            if (!option.reloadable() && !Objects.equals(get(option), other.get(option))) {
                changed.add(option);
            }
        }
        return changed;
    }

    public Optional<Path> mappingsFile() {
        return Optional.ofNullable(get(DaemonOptions.MAPPINGS));
    }

    /** The largest mapping file the daemon reads, in bytes (default 16 MiB). */
    public long maxMappingFileBytes() {
        return get(DaemonOptions.MAX_MAPPING_FILE_BYTES);
    }

    public PortRange portRange() {
        return get(DaemonOptions.PORT_RANGE);
    }

    public List<InetAddress> listenAddresses() {
        return get(DaemonOptions.LISTEN_ADDRESSES);
    }

    public List<InetAddress> nodeIps() {
        return get(DaemonOptions.NODE_IPS);
    }

    /** The blocks mapping targets must lie in; empty: any address the fixed rules allow. */
    public List<Cidr> allowedTargets() {
        return get(DaemonOptions.ALLOWED_TARGETS);
    }

    /** True if mappings may target loopback. */
    public boolean allowLoopbackTargets() {
        return get(DaemonOptions.ALLOW_LOOPBACK_TARGETS);
    }

    public Path stateDir() {
        return get(DaemonOptions.STATE_DIR);
    }

    public IoTransport transport() {
        return get(DaemonOptions.TRANSPORT);
    }

    public int threads() {
        return get(DaemonOptions.THREADS);
    }

    public Duration drainTimeout() {
        return get(DaemonOptions.DRAIN_TIMEOUT);
    }

    /** The relay's knobs: connectTimeout, idleTimeout, tcpKeepalive, splice, pipeSize and maxPipesPerLoop. */
    public RelayConfig relay() {
        return relay;
    }

    /** The UDP knobs: udpIdleTimeout and udpMaxSessions. */
    public UdpConfig udp() {
        return udp;
    }

    /** The health check of every TCP port without one of its own; empty: none. */
    public Optional<HealthCheck> healthCheck() {
        return Optional.ofNullable(get(DaemonOptions.HEALTH_CHECK));
    }

    /** True for one access log line per TCP connection when it ends. */
    public boolean accessLog() {
        return get(DaemonOptions.ACCESS_LOG);
    }

    /** The client blocks of every port without an allowFrom of its own; empty: everyone. */
    public List<Cidr> allowFrom() {
        return get(DaemonOptions.ALLOW_FROM);
    }

    /** TCP connections over every mapping at once; {@link Integer#MAX_VALUE} without a cap. */
    public int maxConnections() {
        Integer cap = get(DaemonOptions.MAX_CONNECTIONS);
        return cap == null ? Integer.MAX_VALUE : cap;
    }

    /** True for one connect-latency histogram per mapping in /metrics, not one for the daemon. */
    public boolean metricsLatencyPerMapping() {
        return get(DaemonOptions.METRICS_LATENCY_PER_MAPPING);
    }

    /** Where the HTTP API listens (default {@value ApiAddress#DEFAULT}). */
    public ApiAddress api() {
        return get(DaemonOptions.API);
    }

    /** The file holding the API's bearer token; without one, the API needs no token. */
    public Optional<Path> apiTokenFile() {
        return Optional.ofNullable(get(DaemonOptions.API_TOKEN_FILE));
    }

    /** True if every TCP client may change mappings without a token, and the API may serve other hosts. */
    public boolean apiInsecure() {
        return get(DaemonOptions.API_INSECURE);
    }

    /** The API's unix socket besides {@link #api()}; empty for none, or when {@link #api()} is that socket. */
    public Optional<Path> apiSocket() {
        Optional<Path> socket = get(DaemonOptions.API_SOCKET);
        if (api() instanceof ApiAddress.Unix unix && socket.isPresent()
                && unix.path().toAbsolutePath().normalize().equals(socket.get().toAbsolutePath().normalize())) {
            return Optional.empty();
        }
        return socket;
    }

    /** The group the API's unix sockets are given to after the bind; empty to keep the daemon's. */
    public Optional<String> apiSocketGroup() {
        return Optional.ofNullable(get(DaemonOptions.API_SOCKET_GROUP));
    }

    /** The TCP API's PEM certificate and key files. */
    public record TlsFiles(Path certificate, Path key) {
    }

    /** The TCP API's certificate and key files, when it speaks HTTPS. */
    public Optional<TlsFiles> apiTls() {
        Path cert = get(DaemonOptions.API_TLS_CERT);
        Path key = get(DaemonOptions.API_TLS_KEY);
        return cert == null || key == null ? Optional.empty() : Optional.of(new TlsFiles(cert, key));
    }

    /** What bounds each API listener: body size, request timeout, connections. */
    public ApiLimits apiLimits() {
        return new ApiLimits(apiMaxBodyBytes, get(DaemonOptions.API_REQUEST_TIMEOUT),
                get(DaemonOptions.API_MAX_CONNECTIONS));
    }

    /** {@code trace}, {@code debug}, {@code info}, {@code warn} or {@code error}. */
    public String logLevel() {
        return get(DaemonOptions.LOG_LEVEL);
    }

    /** {@code logfmt} or {@code json}. */
    public String logFormat() {
        return get(DaemonOptions.LOG_FORMAT);
    }

    /** True if the Kubernetes source runs. */
    public boolean kubernetes() {
        return get(DaemonOptions.KUBERNETES);
    }

    /** This node's name for the Kubernetes source; empty when neither set nor in {@code $NODE_NAME}. */
    public Optional<String> kubernetesNodeName() {
        return Optional.ofNullable(get(DaemonOptions.KUBERNETES_NODE_NAME));
    }

    /** The kubeconfig file; empty for the in-cluster configuration. */
    public Optional<Path> kubernetesKubeconfig() {
        return Optional.ofNullable(get(DaemonOptions.KUBERNETES_KUBECONFIG));
    }

    /** The largest request body the API reads (default 1 MiB); larger ones get 413. Not an option. */
    public int apiMaxBodyBytes() {
        return apiMaxBodyBytes;
    }

    /** What systemd passed in the environment: the notify socket and the watchdog interval. */
    public SystemdSettings systemd() {
        return systemd;
    }

    @Override
    public String toString() {
        return "DaemonConfig" + options;
    }

    /**
     * Fluent, mutable; {@link #build()} checks the rules across options and freezes. Every value is checked by its
     * option when set. The named setters are shorthands of {@link #set} for the options tests and the demo set.
     */
    public static final class Builder {
        private OptionValues options = OptionValues.EMPTY;
        private int apiMaxBodyBytes = ApiServer.DEFAULT_MAX_BODY;
        private SystemdSettings systemd = SystemdSettings.NONE;

        private Builder() {
        }

        /** Sets {@code option}; null unsets it. */
        public <T> Builder set(Option<T> option, T value) {
            this.options = options.with(option, value);
            return this;
        }

        /** Sets every option that {@code values} sets, over what is set here. */
        public Builder options(OptionValues values) {
            this.options = options.overriddenBy(values);
            return this;
        }

        public Builder mappingsFile(Path value) {
            return set(DaemonOptions.MAPPINGS, value);
        }

        public Builder portRange(PortRange value) {
            return set(DaemonOptions.PORT_RANGE, requireNonNull(value, "portRange"));
        }

        public Builder listenAddresses(List<InetAddress> value) {
            return set(DaemonOptions.LISTEN_ADDRESSES, List.copyOf(value));
        }

        public Builder nodeIps(List<InetAddress> value) {
            return set(DaemonOptions.NODE_IPS, List.copyOf(value));
        }

        public Builder stateDir(Path value) {
            return set(DaemonOptions.STATE_DIR, value);
        }

        public Builder transport(IoTransport value) {
            return set(DaemonOptions.TRANSPORT, requireNonNull(value, "transport"));
        }

        public Builder threads(int value) {
            return set(DaemonOptions.THREADS, value);
        }

        public Builder drainTimeout(Duration value) {
            return set(DaemonOptions.DRAIN_TIMEOUT, requireNonNull(value, "drainTimeout"));
        }

        public Builder api(ApiAddress value) {
            return set(DaemonOptions.API, requireNonNull(value, "api"));
        }

        public Builder apiTokenFile(Path value) {
            return set(DaemonOptions.API_TOKEN_FILE, value);
        }

        public Builder apiInsecure(boolean value) {
            return set(DaemonOptions.API_INSECURE, value);
        }

        public Builder apiSocket(Path value) {
            return set(DaemonOptions.API_SOCKET, Optional.ofNullable(value));
        }

        public Builder apiSocketGroup(String value) {
            return set(DaemonOptions.API_SOCKET_GROUP, value);
        }

        public Builder apiMaxBodyBytes(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("apiMaxBodyBytes: " + value + " (expected: >= 1)");
            }
            this.apiMaxBodyBytes = value;
            return this;
        }

        public Builder systemd(SystemdSettings value) {
            this.systemd = requireNonNull(value, "systemd");
            return this;
        }

        /**
         * Checks the rules across options and freezes.
         *
         * @throws IllegalArgumentException if the API would serve other hosts without a token and without
         *                                  {@code apiInsecure}, the relay or UDP knobs do not fit together, or the
         *                                  Kubernetes source is on without a node name
         */
        public DaemonConfig build() {
            ApiAddress api = options.get(DaemonOptions.API);
            if (!api.isLocal() && options.get(DaemonOptions.API_TOKEN_FILE) == null
                    && !options.get(DaemonOptions.API_INSECURE)) {
                throw new IllegalArgumentException("api: " + api + " is reachable from other hosts (expected: "
                        + "--api-token-file FILE, or --api-insecure to serve it without a token)");
            }
            if ((options.get(DaemonOptions.API_TLS_CERT) == null) != (options.get(DaemonOptions.API_TLS_KEY) == null)) {
                throw new IllegalArgumentException("apiTlsCert, apiTlsKey: one without the other (expected: both "
                        + "--api-tls-cert FILE and --api-tls-key FILE, or neither)");
            }
            if (options.get(DaemonOptions.KUBERNETES) && options.get(DaemonOptions.KUBERNETES_NODE_NAME) == null) {
                throw new IllegalArgumentException("kubernetes.nodeName: none (expected: this node's name, from "
                        + "--kubernetes-node-name or $NODE_NAME, when kubernetes.enabled is true)");
            }
            return new DaemonConfig(this);
        }
    }
}
