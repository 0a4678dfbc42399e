package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiServer;
import dev.portlocal.model.PortRange;
import dev.portlocal.proxy.Transport;
import dev.portlocal.relay.RelayConfig;
import dev.portlocal.state.StateStore;
import dev.portlocal.systemd.SystemdSettings;
import dev.portlocal.udp.UdpConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Everything the daemon runs with, after flags and the config file are merged. Built with {@link #builder()}; every
 * knob has a default, so an empty builder is the built-in configuration.
 */
public final class DaemonConfig {

    private final Optional<Path> mappingsFile;
    private final PortRange portRange;
    private final List<InetAddress> listenAddresses;
    private final List<InetAddress> nodeIps;
    private final Path stateDir;
    private final Transport transport;
    private final int threads;
    private final Duration drainTimeout;
    private final RelayConfig relay;
    private final UdpConfig udp;
    private final ApiAddress api;
    private final Optional<Path> apiTokenFile;
    private final boolean apiInsecure;
    private final int apiMaxBodyBytes;
    private final SystemdSettings systemd;

    private DaemonConfig(Builder b) {
        this.mappingsFile = Optional.ofNullable(b.mappingsFile);
        this.portRange = b.portRange;
        this.listenAddresses = List.copyOf(b.listenAddresses);
        this.nodeIps = List.copyOf(b.nodeIps);
        this.stateDir = b.stateDir;
        this.transport = b.transport;
        this.threads = b.threads;
        this.drainTimeout = b.drainTimeout;
        this.relay = b.relay;
        this.udp = b.udp;
        this.api = b.api;
        this.apiTokenFile = Optional.ofNullable(b.apiTokenFile);
        this.apiInsecure = b.apiInsecure;
        this.apiMaxBodyBytes = b.apiMaxBodyBytes;
        this.systemd = b.systemd;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<Path> mappingsFile() {
        return mappingsFile;
    }

    public PortRange portRange() {
        return portRange;
    }

    public List<InetAddress> listenAddresses() {
        return listenAddresses;
    }

    public List<InetAddress> nodeIps() {
        return nodeIps;
    }

    public Path stateDir() {
        return stateDir;
    }

    public Transport transport() {
        return transport;
    }

    public int threads() {
        return threads;
    }

    public Duration drainTimeout() {
        return drainTimeout;
    }

    public RelayConfig relay() {
        return relay;
    }

    public UdpConfig udp() {
        return udp;
    }

    /** Where the HTTP API listens (default {@value ApiAddress#DEFAULT}). */
    public ApiAddress api() {
        return api;
    }

    /** The file holding the API's bearer token; without one, the API needs no token. */
    public Optional<Path> apiTokenFile() {
        return apiTokenFile;
    }

    /** True if the API may serve other hosts without a token. */
    public boolean apiInsecure() {
        return apiInsecure;
    }

    /** The largest request body the API reads (default 1 MiB); larger ones get 413. */
    public int apiMaxBodyBytes() {
        return apiMaxBodyBytes;
    }

    /** What systemd passed in the environment: the notify socket and the watchdog interval. */
    public SystemdSettings systemd() {
        return systemd;
    }

    /** Fluent, mutable; {@link #build()} validates and freezes. */
    public static final class Builder {
        private Path mappingsFile;
        private PortRange portRange = PortRange.DEFAULT;
        private List<InetAddress> listenAddresses = List.of(anyV4(), anyV6());
        private List<InetAddress> nodeIps = List.of();
        private Path stateDir;
        private Transport transport = Transport.AUTO;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Duration drainTimeout = Duration.ofSeconds(30);
        private RelayConfig relay = RelayConfig.DEFAULT;
        private UdpConfig udp = UdpConfig.DEFAULT;
        private ApiAddress api = ApiAddress.parse(ApiAddress.DEFAULT);
        private Path apiTokenFile;
        private boolean apiInsecure;
        private int apiMaxBodyBytes = ApiServer.DEFAULT_MAX_BODY;
        private SystemdSettings systemd = SystemdSettings.NONE;

        private Builder() {
        }

        public Builder mappingsFile(Path value) {
            this.mappingsFile = value;
            return this;
        }

        public Builder portRange(PortRange value) {
            this.portRange = requireNonNull(value, "portRange");
            return this;
        }

        public Builder listenAddresses(List<InetAddress> value) {
            if (value.isEmpty()) {
                throw new IllegalArgumentException("listenAddresses: [] (expected: at least one address)");
            }
            this.listenAddresses = List.copyOf(value);
            return this;
        }

        public Builder nodeIps(List<InetAddress> value) {
            this.nodeIps = List.copyOf(value);
            return this;
        }

        public Builder stateDir(Path value) {
            this.stateDir = value;
            return this;
        }

        public Builder transport(Transport value) {
            this.transport = requireNonNull(value, "transport");
            return this;
        }

        public Builder threads(int value) {
            if (value < 1 || value > 256) {
                throw new IllegalArgumentException("threads: " + value + " (expected: 1-256)");
            }
            this.threads = value;
            return this;
        }

        public Builder drainTimeout(Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("drainTimeout: " + value + " (expected: >= 0)");
            }
            this.drainTimeout = value;
            return this;
        }

        public Builder udp(UdpConfig value) {
            this.udp = requireNonNull(value, "udp");
            return this;
        }

        public Builder relay(RelayConfig value) {
            this.relay = requireNonNull(value, "relay");
            return this;
        }

        public Builder api(ApiAddress value) {
            this.api = requireNonNull(value, "api");
            return this;
        }

        public Builder apiTokenFile(Path value) {
            this.apiTokenFile = value;
            return this;
        }

        public Builder apiInsecure(boolean value) {
            this.apiInsecure = value;
            return this;
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
         * Validates and freezes.
         *
         * @throws IllegalArgumentException if the API would serve other hosts without a token and without
         *                                  {@code apiInsecure}
         */
        public DaemonConfig build() {
            if (!api.isLocal() && apiTokenFile == null && !apiInsecure) {
                throw new IllegalArgumentException("api: " + api + " is reachable from other hosts (expected: "
                        + "--api-token-file FILE, or --api-insecure to serve it without a token)");
            }
            if (stateDir == null) {
                stateDir = StateStore.defaultStateDir();
            }
            return new DaemonConfig(this);
        }

        private static InetAddress anyV4() {
            return addr(new byte[4]);
        }

        private static InetAddress anyV6() {
            return addr(new byte[16]);
        }

        private static InetAddress addr(byte[] raw) {
            try {
                return InetAddress.getByAddress(raw);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }
}
