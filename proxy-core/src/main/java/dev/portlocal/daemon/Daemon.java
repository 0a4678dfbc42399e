package dev.portlocal.daemon;

import dev.portlocal.api.ApiAccess;
import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiCounters;
import dev.portlocal.api.ApiEndpoints;
import dev.portlocal.api.ApiRoutes;
import dev.portlocal.api.ApiServer;
import dev.portlocal.api.ApiTls;
import dev.portlocal.api.BearerToken;
import dev.portlocal.api.NodeIps;
import dev.portlocal.api.ReloadStatus;
import dev.portlocal.config.DaemonOptions;
import dev.portlocal.config.InvalidConfigException;
import dev.portlocal.config.Option;
import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.KernelPortRange;
import dev.portlocal.control.MappingService;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.file.MappingFileWatcher;
import dev.portlocal.health.HealthMonitor;
import dev.portlocal.kubernetes.KubernetesClients;
import dev.portlocal.kubernetes.KubernetesOptions;
import dev.portlocal.kubernetes.KubernetesSource;
import dev.portlocal.logging.LogSetup;
import dev.portlocal.metrics.DaemonMetrics;
import dev.portlocal.metrics.DaemonMetrics.ReloadResult;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Source;
import dev.portlocal.model.TargetPolicy;
import dev.portlocal.net.EventLoops;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.proxy.DataPlaneConfig;
import dev.portlocal.state.StateStore;
import dev.portlocal.supervision.Supervisor;
import dev.portlocal.systemd.SystemdNotifier;
import dev.portlocal.systemd.Watchdog;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A running portlocal: event loops, the data plane, the mapping service, the mapping file watcher, the HTTP API and,
 * when enabled, the Kubernetes source.
 *
 * <p>Lifecycle: {@link #start()} starts the API (alive, not ready), restores the state (the API's endpoints first,
 * with their ports), applies the mapping file, then turns ready; it throws {@link MappingFileException} if the file
 * is invalid at start. {@link #stop()} closes the API, stops accepting on every node port at once, drains
 * connections up to the drain timeout and releases everything. The state file keeps the assignments, so the next
 * start gets the same node ports back.
 *
 * <p>Kubernetes ({@code kubernetes.enabled}): the source starts after the restore, so its restored ports listen at
 * once; the daemon is ready ({@code /readyz}) once the source has synced its caches and applied its first view, and
 * stays ready if the API server goes away later.
 *
 * <p>Reload ({@link #reload}, on SIGHUP): re-reads the configuration and the mapping file and applies what can
 * change at runtime (the mapping file's path and content); options that need a restart are named in the log and
 * left as they were. An invalid config or mapping file leaves the old one serving. Unchanged mappings keep their
 * listeners and connections.
 *
 * <p>systemd: {@code READY=1} once the state is restored and every listener is bound; {@code RELOADING=1} then
 * {@code READY=1} around a reload; {@code STOPPING=1} at shutdown; {@code STATUS=} after every change; and the
 * {@link Watchdog} when {@code $WATCHDOG_USEC} is set.
 *
 * <p>Threading: one control thread runs the restore, every API request (metrics scrapes too), every reload and the
 * retry timer, so changes never interleave; the API's event loop, the file watcher and signal handlers only hand
 * work to it.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    private static final long RETRY_SECONDS = 5;
    private static final long HEALTH_SYNC_MILLIS = 500;
    private static final String CONTROL_THREAD = "portlocal-control";

    private final DaemonConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private EventLoops loops;
    private DataPlane dataPlane;
    private MappingService service;
    /** Replaced by a reload on the control thread; closed by {@link #stop()}. */
    private volatile MappingFileWatcher watcher;
    private ScheduledExecutorService control;
    private ApiServer apiServer;
    /** The unix socket besides a TCP API, or null. */
    private ApiServer socketServer;
    private final ApiCounters apiCounters = new ApiCounters();
    /** Restarts the file watcher's thread after a failure, and keeps the control thread's periodic tasks going. */
    private final Supervisor supervisor = new Supervisor();
    /** The TCP API's certificate, re-read on SIGHUP; empty for plain HTTP. */
    private Optional<ApiTls> apiTls = Optional.empty();
    private HealthMonitor health;
    /** The Kubernetes source and its client, or null when it is off. */
    private volatile KubernetesSource kubernetes;
    private KubernetesClient kubernetesClient;
    private MappingFileParser parser;
    /** Which targets mappings may have, from every source; told the API's port once it listens. */
    private TargetPolicy targetPolicy;
    private DaemonMetrics metrics;
    private SystemdNotifier notifier = SystemdNotifier.none();
    private Watchdog watchdog;
    /** The mapping file being watched; control thread only after start. */
    private Optional<Path> mappingsFile = Optional.empty();
    private final AtomicBoolean ready = new AtomicBoolean();
    /** How the last reload went; written on the control thread (and by the start), read by the API and metrics. */
    private volatile ReloadStatus reloadStatus;
    private boolean stopping;

    public Daemon(DaemonConfig config) {
        this.config = config;
    }

    public synchronized void start() throws MappingFileException {
        applyLogging(config);
        PortRange range = config.portRange();
        warnOnEphemeralOverlap(range);
        targetPolicy = targetPolicy(config);
        parser = new MappingFileParser(range, targetPolicy, config.maxMappingFileBytes());
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, CONTROL_THREAD);
            t.setDaemon(true);
            return t;
        });
        // Read before binding anything: an invalid file at start is a configuration error, reported whole.
        Inputs inputs = readInputs(config, this::newWatcher);
        watcher = inputs.watcher().orElse(null);
        Optional<BearerToken> token = inputs.token();
        NodeIps nodeIps = NodeIps.resolve(config.nodeIps());
        logNodeIps(nodeIps);
        loops = new EventLoops(config.transport(), config.threads());
        dataPlane = new DataPlane(loops, new DataPlaneConfig(
                config.listenAddresses(), config.relay(), config.drainTimeout(), config.udp(), config.accessLog(),
                config.allowFrom(), config.maxConnections()));
        service = new MappingService(range, dataPlane, new StateStore(config.stateDir()), targetPolicy);
        service.defaultHealthCheck(config.healthCheck());
        metrics = new DaemonMetrics(version(), loops.transport().toString(), service, dataPlane,
                config.metricsLatencyPerMapping());
        ApiEndpoints apiEndpoints = new ApiEndpoints(service);
        reloaded(ReloadStatus.succeeded(Instant.now()));
        ApiAccess access = new ApiAccess(token, config.apiInsecure());
        ApiRoutes routes = new ApiRoutes(service, apiEndpoints, nodeIps, access, this::isReady, version(),
                Optional.of(metrics), () -> reloadStatus).degradedBy(this::degraded);
        metrics.api(apiCounters);
        metrics.supervisor(supervisor);
        supervisor.onChange(this::supervisionChanged);
        apiTls = config.apiTls().map(files -> ApiTls.load(files.certificate(), files.key()));
        try {
            apiServer = ApiServer.start(config.api(), routes::handle, control, config.apiLimits(), apiCounters,
                    apiTls);
            if (config.apiSocket().isPresent()) {
                socketServer = ApiServer.start(new ApiAddress.Unix(config.apiSocket().get()), routes::handle,
                        control, config.apiLimits(), apiCounters);
            }
        } catch (IOException e) {
            if (apiServer != null) {
                apiServer.close();
            }
            throw new UncheckedIOException(e.getMessage(), e);
        }
        config.apiSocketGroup().ifPresent(this::giveSocketsTo);
        if (apiServer.address() instanceof ApiAddress.Tcp tcp && targetPolicy.apiPort().isEmpty()) {
            targetPolicy.apiListening(tcp.address().getPort());
        }
        if (config.apiInsecure() && token.isEmpty() && apiServer.address() instanceof ApiAddress.Tcp) {
            log.atWarn().setMessage("api_insecure")
                    .addKeyValue("api", apiServer.address())
                    .addKeyValue("risk", config.api().isLocal()
                            ? "any local user or process can change mappings over TCP"
                            : "any host that reaches it can change mappings")
                    .addKeyValue("hint", "set --api-token-file, or change mappings through the unix socket")
                    .log();
        }
        List<Endpoint> fromFile = inputs.endpoints().orElse(null);
        // The restore runs on the control thread, which owns the API's endpoints; the API answers 503 meanwhile.
        onControl(() -> {
            service.restore();
            apiEndpoints.restore();
            if (fromFile != null) {
                apply(fromFile);
            }
        });
        mappingsFile = config.mappingsFile();
        if (watcher != null) {
            watcher.start();
        }
        if (config.kubernetes()) {
            startKubernetes();
        }
        control.scheduleWithFixedDelay(supervisor.periodic(CONTROL_THREAD, this::retryFailed), RETRY_SECONDS,
                RETRY_SECONDS, TimeUnit.SECONDS);
        health = new HealthMonitor(control, service::health);
        metrics.health(health, service);
        control.scheduleWithFixedDelay(supervisor.periodic(CONTROL_THREAD, this::syncHealth), 0, HEALTH_SYNC_MILLIS,
                TimeUnit.MILLISECONDS);
        ready.set(true);
        notifier = SystemdNotifier.open(config.systemd());
        notifier.ready(statusLine());
        if (config.systemd().watchdogInterval().isPresent()) {
            List<Executor> watched = new ArrayList<>(loops.loops());
            watched.add(control);
            watchdog = Watchdog.start(notifier, config.systemd().watchdogInterval().get(), watched);
        }
        withSummary(log.atInfo().setMessage("started")
                .addKeyValue("transport", loops.transport())
                .addKeyValue("threads", config.threads())
                .addKeyValue("portRange", range)
                .addKeyValue("listen", config.listenAddresses().stream().map(Addresses::format)
                        .collect(Collectors.joining(",")))
                .addKeyValue("stateDir", config.stateDir())
                .addKeyValue("mappingsFile", config.mappingsFile().map(Object::toString).orElse("-"))
                .addKeyValue("api", apiServer.address())
                .addKeyValue("apiSocket", socketServer != null ? socketServer.address()
                        : apiServer.address() instanceof ApiAddress.Unix ? apiServer.address() : "none")
                .addKeyValue("apiToken", token.isPresent() ? "required" : "none")
                .addKeyValue("tcpWrites", apiServer.address() instanceof ApiAddress.Tcp ? access.tcpWrites() : "-")
                .addKeyValue("allowedTargets", config.allowedTargets().isEmpty() ? "any"
                        : config.allowedTargets().stream().map(Object::toString).collect(Collectors.joining(",")))
                .addKeyValue("allowLoopbackTargets", config.allowLoopbackTargets())
                .addKeyValue("kubernetes", config.kubernetesNodeName().filter(n -> config.kubernetes()).orElse("off")))
                .log();
    }

    /**
     * Gives each unix socket of the API to {@code name} (mode 0660 stays), so the group's members may connect.
     *
     * @throws IllegalArgumentException naming the option if the group cannot be given the socket
     */
    private void giveSocketsTo(String name) {
        for (ApiServer server : Arrays.asList(apiServer, socketServer)) {
            if (server == null || !(server.address() instanceof ApiAddress.Unix unix)) {
                continue;
            }
            try {
                GroupPrincipal group = unix.path().getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(name);
                Files.getFileAttributeView(unix.path(), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setGroup(group);
            } catch (IOException | UnsupportedOperationException e) {
                String why = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
                throw new IllegalArgumentException(DaemonOptions.API_SOCKET_GROUP.key() + ": " + name
                        + " (cannot give " + unix.path() + " to it: " + why
                        + "; expected: a group the daemon's user is in, e.g. SupplementaryGroups=" + name + ")", e);
            }
            log.atInfo().setMessage("api_socket_group")
                    .addKeyValue("path", unix.path())
                    .addKeyValue("group", name)
                    .log();
        }
    }

    /**
     * Starts the Kubernetes source after the restore, so the ports the state holds for it listen before the API
     * server answers. Its client is built here; the source needs the control thread for every change.
     */
    private void startKubernetes() {
        kubernetesClient = KubernetesClients.create(config.kubernetesKubeconfig());
        KubernetesSource source = new KubernetesSource(kubernetesClient,
                KubernetesOptions.of(config.kubernetesNodeName().orElseThrow()), service, control);
        metrics.kubernetes(source.metrics());
        kubernetes = source;
        source.start();
    }

    /** Ready once started and, with the Kubernetes source, once it has synced and applied its first view. */
    private boolean isReady() {
        KubernetesSource source = kubernetes;
        return ready.get() && (!config.kubernetes() || source != null && source.ready());
    }

    /**
     * Checks, starting nothing, what {@link #start()} checks before it binds anything: the API token file and the
     * mapping file. {@code portlocal check} runs this, so it refuses exactly what {@code run} refuses.
     *
     * @return the mapping file's endpoints, or empty without a mapping file
     * @throws MappingFileException     with every error of the mapping file
     * @throws IllegalArgumentException if the token file is unreadable or holds no token, or the kubeconfig file is
     *                                  unreadable
     */
    public static Optional<List<Endpoint>> validate(DaemonConfig config) throws MappingFileException {
        MappingFileParser parser = new MappingFileParser(config.portRange(), targetPolicy(config),
                config.maxMappingFileBytes());
        Inputs inputs = readInputs(config, file -> new MappingFileWatcher(file, parser, endpoints -> { }, e -> { }));
        inputs.watcher().ifPresent(MappingFileWatcher::close);
        return inputs.endpoints();
    }

    /**
     * The target policy of {@code config}: its allow list and loopback switch, and what this daemon's own sockets
     * answer on (the node port range on the listen addresses, the API's TCP address), judged against this host's
     * addresses and its configured node IPs.
     */
    static TargetPolicy targetPolicy(DaemonConfig config) {
        List<InetAddress> host = new ArrayList<>(config.nodeIps());
        for (NodeIps.HostAddress address : NodeIps.hostAddresses()) {
            host.add(address.ip());
        }
        TargetPolicy.Builder policy = TargetPolicy.builder()
                .allowedTargets(config.allowedTargets())
                .allowLoopback(config.allowLoopbackTargets())
                .hostAddresses(host)
                .nodePorts(config.portRange(), config.listenAddresses());
        if (config.api() instanceof ApiAddress.Tcp tcp) {
            policy.api(tcp.address().getAddress(), tcp.address().getPort());
        }
        return policy.build();
    }

    /**
     * What the daemon reads at start besides the config: the token, and the mapping file's first version, read by
     * its watcher (not started yet).
     */
    private record Inputs(Optional<BearerToken> token, Optional<MappingFileWatcher> watcher,
                          Optional<List<Endpoint>> endpoints) {
    }

    private static Inputs readInputs(DaemonConfig config, Function<Path, MappingFileWatcher> watcherFor)
            throws MappingFileException {
        Optional<MappingFileWatcher> watcher = config.mappingsFile().map(watcherFor);
        Optional<List<Endpoint>> endpoints = Optional.empty();
        try {
            if (watcher.isPresent()) {
                endpoints = Optional.of(watcher.get().load());
            }
            checkKubeconfig(config);
            return new Inputs(config.apiTokenFile().map(BearerToken::read), watcher, endpoints);
        } catch (MappingFileException | RuntimeException e) {
            watcher.ifPresent(MappingFileWatcher::close);
            throw e;
        }
    }

    private static void checkKubeconfig(DaemonConfig config) {
        Optional<Path> file = config.kubernetesKubeconfig();
        if (config.kubernetes() && file.isPresent()
                && !(Files.isRegularFile(file.get()) && Files.isReadable(file.get()))) {
            throw new IllegalArgumentException("kubernetes.kubeconfig: " + file.get()
                    + " (expected: a readable kubeconfig file)");
        }
    }

    /** Applies the log level and format: at start, and after each reload that succeeded. */
    private static void applyLogging(DaemonConfig config) {
        LogSetup.level(config.logLevel());
        LogSetup.format(config.logFormat());
    }

    private void onControl(Runnable task) {
        try {
            control.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during start", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void logNodeIps(NodeIps nodeIps) {
        for (IpFamily family : IpFamily.values()) {
            if (nodeIps.get(family).isEmpty()) {
                log.atWarn().setMessage("node_ip_missing")
                        .addKeyValue("family", family)
                        .addKeyValue("effect", "mappings of this family are left out of annotations")
                        .addKeyValue("hint", "set --node-ip")
                        .log();
            }
        }
        for (NodeIps.NodeIp ip : nodeIps.all()) {
            log.atInfo().setMessage("node_ip")
                    .addKeyValue("family", ip.family())
                    .addKeyValue("ip", Addresses.format(ip.ip()))
                    .addKeyValue("source", ip.source())
                    .log();
        }
    }

    /** The version in the jar's manifest, or "dev" when run from classes. */
    static String version() {
        String v = Daemon.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * The watcher of {@code file}: its first version is read by {@link MappingFileWatcher#load()}, its changes are
     * applied on the control thread, so they never interleave with the API or a reload.
     */
    private MappingFileWatcher newWatcher(Path file) {
        return new MappingFileWatcher(file, parser, endpoints -> {
            apply(endpoints);
            reloaded(ReloadStatus.succeeded(Instant.now()));
            notifier.status(statusLine());
        }, this::rejected, MappingFileWatcher.DEFAULT_POLL_INTERVAL, control, supervisor);
    }

    /** What keeps the daemon from being fully ready though started: a mapping file not watched. */
    private List<String> degraded() {
        MappingFileWatcher current = watcher;
        if (current != null && ready.get() && !current.watching()) {
            return List.of("the mapping file " + current.file() + " is not watched (" + MappingFileWatcher.THREAD_NAME
                    + " failed; restarting)");
        }
        return List.of();
    }

    /** A supervised thread went down or came back: systemd's status says so, from the control thread. */
    private void supervisionChanged() {
        try {
            control.execute(() -> notifier.status(statusLine()));
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    private void apply(List<Endpoint> endpoints) {
        ApplyResult result = service.apply(Source.FILE, endpoints);
        log.atInfo().setMessage("mappings_applied")
                .addKeyValue("added", result.added().size())
                .addKeyValue("removed", result.removed().size())
                .addKeyValue("retargeted", result.retargeted().size())
                .addKeyValue("unchanged", result.unchanged().size())
                .addKeyValue("failed", result.failed().size())
                .log();
    }

    /**
     * Reloads on the control thread: {@code next} re-reads the configuration (it throws
     * {@link IllegalArgumentException} for an invalid one), then the mapping file is read and applied. Sends
     * {@code RELOADING=1} before and {@code READY=1} after, and counts the result. Returns at once; the future
     * completes with the result. Before the start has finished, or while stopping, the reload is skipped.
     */
    public CompletableFuture<ReloadResult> reload(Supplier<DaemonConfig> next) {
        synchronized (this) {
            if (control == null || !ready.get() || stopping) {
                log.atWarn().setMessage("reload_skipped")
                        .addKeyValue("reason", stopping ? "stopping" : "not started")
                        .log();
                return CompletableFuture.completedFuture(ReloadResult.FAILED);
            }
        }
        try {
            return CompletableFuture.supplyAsync(() -> reloadNow(next), control);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(ReloadResult.FAILED);
        }
    }

    private synchronized boolean isStopping() {
        return stopping;
    }

    private void awaitControl() {
        try {
            if (!control.awaitTermination(10, TimeUnit.SECONDS)) {
                log.atWarn().setMessage("control_thread_busy").addKeyValue("action", "stop_anyway").log();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ReloadResult reloadNow(Supplier<DaemonConfig> next) {
        if (isStopping()) {
            return ReloadResult.FAILED;
        }
        notifier.reloading();
        long started = System.nanoTime();
        apiTls.ifPresent(ApiTls::reload);
        ReloadResult result;
        try {
            result = reloadWith(next);
        } catch (RuntimeException e) {
            log.atError().setMessage("reload_failed").addKeyValue("error", e.toString()).setCause(e).log();
            reloaded(reloadStatus.failed(List.of(e.toString())));
            result = ReloadResult.FAILED;
        }
        if (result == ReloadResult.OK) {
            reloaded(ReloadStatus.succeeded(Instant.now()));
        }
        metrics.reload(result);
        withSummary(log.atInfo().setMessage("reloaded")
                .addKeyValue("result", result.name().toLowerCase(java.util.Locale.ROOT))
                .addKeyValue("tookMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)))
                .log();
        notifier.ready(statusLine());
        return result;
    }

    private ReloadResult reloadWith(Supplier<DaemonConfig> next) {
        DaemonConfig fresh;
        try {
            fresh = next.get();
        } catch (IllegalArgumentException e) {
            log.atError().setMessage("reload_rejected")
                    .addKeyValue("what", "config")
                    .addKeyValue("action", "keep_serving_old_config")
                    .addKeyValue("error", String.join("; ", InvalidConfigException.errorsOf(e)))
                    .log();
            reloaded(reloadStatus.failed(InvalidConfigException.errorsOf(e)));
            return ReloadResult.INVALID;
        }
        reportRestartRequired(fresh);
        ReloadResult result = reloadMappings(fresh.mappingsFile());
        if (result == ReloadResult.OK) {
            applyLogging(fresh);
        }
        return result;
    }

    /**
     * Re-reads the mapping file through its watcher and applies it; for a new path ({@code file}), a new watcher
     * reads it first and replaces the old one only if the file is valid. Without a file any more, the file's
     * mappings are removed.
     */
    private ReloadResult reloadMappings(Optional<Path> file) {
        List<Endpoint> endpoints = List.of();
        if (file.equals(mappingsFile)) {
            if (watcher == null) {
                return ReloadResult.OK;
            }
            try {
                endpoints = watcher.load();
            } catch (MappingFileException e) {
                rejected(e);
                return ReloadResult.INVALID;
            }
        } else {
            MappingFileWatcher next = file.map(this::newWatcher).orElse(null);
            if (next != null) {
                try {
                    endpoints = next.load();
                } catch (MappingFileException e) {
                    next.close();
                    rejected(e);
                    return ReloadResult.INVALID;
                }
            }
            log.atInfo().setMessage("mappings_file_changed")
                    .addKeyValue("old", mappingsFile.map(Object::toString).orElse("-"))
                    .addKeyValue("new", file.map(Object::toString).orElse("-"))
                    .log();
            if (watcher != null) {
                watcher.close();
            }
            watcher = next;
            mappingsFile = file;
            if (next != null) {
                next.start();
            }
        }
        apply(endpoints);
        return ReloadResult.OK;
    }

    /** Options that only a restart can change: named in the log, left as they were. */
    private void reportRestartRequired(DaemonConfig fresh) {
        for (Option<?> option : config.restartRequiredChanges(fresh)) {
            log.atWarn().setMessage("reload_option_ignored")
                    .addKeyValue("option", option.key())
                    .addKeyValue("action", "restart portlocal to apply it")
                    .log();
        }
    }

    private void rejected(MappingFileException e) {
        log.atError().setMessage("mapping_file_rejected")
                .addKeyValue("action", "keep_serving_last_good_state")
                .addKeyValue("errors", String.join("; ", e.errors()))
                .log();
        reloaded(reloadStatus.failed(e.errors()));
    }

    /** Records how a reload went: in {@code /v1/info} and in the metrics. */
    private void reloaded(ReloadStatus status) {
        reloadStatus = status;
        metrics.reloadStatus(status.lastSuccessful(), status.lastSuccess());
    }

    /** Points the health monitor at the mappings that have a check; cheap, so it runs every half second. */
    private void syncHealth() {
        try {
            health.sync(service.mappings());
        } catch (RuntimeException e) {
            log.atWarn().setMessage("health_sync_failed").addKeyValue("error", e.toString()).log();
        }
    }

    private void retryFailed() {
        try {
            service.retryFailed();
        } catch (RuntimeException e) {
            log.atWarn().setMessage("retry_failed").addKeyValue("error", e.toString()).log();
        }
    }

    /**
     * systemd's STATUS= line, e.g. {@code 142 mappings, 3 conflicts, 0 errors}, then what keeps the daemon from being
     * fully ready ({@code ; not ready: the mapping file ... is not watched ...}).
     */
    String statusLine() {
        List<MappingStatus> all = service.mappings();
        long conflict = all.stream().filter(m -> m.state() == MappingState.CONFLICT).count();
        long error = all.stream().filter(m -> m.state() == MappingState.ERROR).count();
        List<String> degraded = degraded();
        return all.size() + " mappings, " + conflict + " conflicts, " + error + " errors"
                + (degraded.isEmpty() ? "" : "; not ready: " + String.join("; ", degraded));
    }

    /** The configuration it started with; a reload changes only the mapping file of it at runtime. */
    public DaemonConfig config() {
        return config;
    }

    /** The daemon's metrics, as {@code GET /metrics} serves them. */
    public DaemonMetrics metrics() {
        return metrics;
    }

    /** The data plane's event loops, e.g. for tests that block one. */
    public EventLoops loops() {
        return loops;
    }

    /** Adds the mapping counts to a log line: {@code mappings=3 listening=2 conflict=1 error=0}. */
    private LoggingEventBuilder withSummary(LoggingEventBuilder line) {
        List<MappingStatus> all = service.mappings();
        return line.addKeyValue("mappings", all.size())
                .addKeyValue("listening", all.stream().filter(m -> m.state() == MappingState.LISTENING).count())
                .addKeyValue("conflict", all.stream().filter(m -> m.state() == MappingState.CONFLICT).count())
                .addKeyValue("error", all.stream().filter(m -> m.state() == MappingState.ERROR).count());
    }

    public MappingService service() {
        return service;
    }

    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** Where the API listens: with port 0 asked, the port the kernel chose. */
    public ApiAddress apiAddress() {
        return apiServer.address();
    }

    /** The unix socket served besides a TCP API, if any. */
    public Optional<ApiAddress> apiSocketAddress() {
        return Optional.ofNullable(socketServer).map(ApiServer::address);
    }

    /** Blocks until {@link #stop()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** Stops accepting everywhere, drains up to the drain timeout, then releases everything. Idempotent. */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        try {
            log.atInfo().setMessage("stopping")
                    .addKeyValue("drainTimeout", config.drainTimeout().toSeconds() + "s")
                    .addKeyValue("active", dataPlane == null ? 0 : dataPlane.activeConnections())
                    .log();
            ready.set(false);
            if (watchdog != null) {
                watchdog.close();
            }
            notifier.stopping("stopping: draining " + (dataPlane == null ? 0 : dataPlane.activeConnections())
                    + " connections for up to " + config.drainTimeout().toSeconds() + "s");
            KubernetesSource source = kubernetes;
            if (source != null) {
                source.close(); // the annotations stay: the ports come back at the next start
            }
            if (kubernetesClient != null) {
                kubernetesClient.close();
            }
            if (apiServer != null) {
                apiServer.close();
            }
            if (socketServer != null) {
                socketServer.close();
            }
            if (watcher != null) {
                watcher.close();
            }
            if (health != null) {
                health.close();
            }
            if (control != null) {
                control.shutdownNow();
                awaitControl();
            }
            if (watcher != null) {
                watcher.close(); // a reload that was running may have started a new one
            }
            if (dataPlane != null) {
                dataPlane.shutdown(config.drainTimeout());
            }
            if (loops != null) {
                loops.close();
            }
            notifier.close();
            log.atInfo().setMessage("stopped").log();
        } finally {
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static void warnOnEphemeralOverlap(PortRange range) {
        Optional<PortRange> ephemeral = KernelPortRange.read();
        if (ephemeral.isPresent() && ephemeral.get().overlaps(range)) {
            log.atWarn().setMessage("port_range_overlaps_ephemeral")
                    .addKeyValue("portRange", range)
                    .addKeyValue("ip_local_port_range", ephemeral.get())
                    .addKeyValue("risk", "outgoing connections may take node ports; move the range or set "
                            + "net.ipv4.ip_local_reserved_ports")
                    .log();
        }
    }
}
