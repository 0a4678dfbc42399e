package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiEndpoints;
import dev.portlocal.api.ApiRoutes;
import dev.portlocal.api.ApiServer;
import dev.portlocal.api.BearerToken;
import dev.portlocal.api.NodeIps;
import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.KernelPortRange;
import dev.portlocal.control.MappingService;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.file.MappingFileWatcher;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Source;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.proxy.DataPlaneConfig;
import dev.portlocal.proxy.EventLoops;
import dev.portlocal.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * A running portlocal: event loops, the data plane, the mapping service, the mapping file watcher and the HTTP API.
 *
 * <p>Lifecycle: {@link #start()} starts the API (alive, not ready), restores the state (the API's endpoints first,
 * with their ports), applies the mapping file, then turns ready; it throws {@link MappingFileException} if the file
 * is invalid at start. {@link #stop()} closes the API, stops accepting on every node port at once, drains
 * connections up to the drain timeout and releases everything. The state file keeps the assignments, so the next
 * start gets the same node ports back.
 *
 * <p>Threading: one control thread runs the restore, every API request, every reload of the mapping file and the
 * retry timer, so changes never interleave; the API's event loop and the file watcher only hand work to it.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    private static final long RETRY_SECONDS = 5;

    private final DaemonConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private EventLoops loops;
    private DataPlane dataPlane;
    private MappingService service;
    private MappingFileWatcher watcher;
    private ScheduledExecutorService control;
    private ApiServer apiServer;
    private final AtomicBoolean ready = new AtomicBoolean();
    private boolean stopping;

    public Daemon(DaemonConfig config) {
        this.config = config;
    }

    public synchronized void start() throws MappingFileException {
        PortRange range = config.portRange();
        warnOnEphemeralOverlap(range);
        MappingFileParser parser = new MappingFileParser(range);
        // Parse before binding anything: an invalid file at start is a configuration error, reported whole.
        Optional<List<Endpoint>> initial = Optional.empty();
        if (config.mappingsFile().isPresent()) {
            initial = Optional.of(parser.parse(config.mappingsFile().get()));
        }
        Optional<BearerToken> token = config.apiTokenFile().map(BearerToken::read);
        NodeIps nodeIps = NodeIps.resolve(config.nodeIps());
        logNodeIps(nodeIps);
        loops = new EventLoops(config.transport(), config.threads());
        dataPlane = new DataPlane(loops, new DataPlaneConfig(
                config.listenAddresses(), config.relay(), config.drainTimeout(), config.udp()));
        service = new MappingService(range, dataPlane, new StateStore(config.stateDir()));
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portlocal-control");
            t.setDaemon(true);
            return t;
        });
        ApiEndpoints apiEndpoints = new ApiEndpoints(service);
        ApiRoutes routes = new ApiRoutes(service, apiEndpoints, nodeIps, token, ready::get, version());
        try {
            apiServer = ApiServer.start(config.api(), routes::handle, control, config.apiMaxBodyBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        if (!config.api().isLocal() && token.isEmpty()) {
            log.warn("event=api_insecure api={} risk=\"any host that reaches it can change mappings\"",
                    apiServer.address());
        }
        List<Endpoint> fromFile = initial.orElse(null);
        // The restore runs on the control thread, which owns the API's endpoints; the API answers 503 meanwhile.
        onControl(() -> {
            service.restore();
            apiEndpoints.restore();
            if (fromFile != null) {
                apply(fromFile);
            }
        });
        if (config.mappingsFile().isPresent()) {
            // Reloads run on the control thread too, so the file and the API never interleave within a change.
            watcher = new MappingFileWatcher(config.mappingsFile().get(), parser,
                    endpoints -> control.execute(() -> apply(endpoints)), this::rejected);
            watcher.start();
        }
        control.scheduleWithFixedDelay(this::retryFailed, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
        ready.set(true);
        log.info("event=started transport={} threads={} portRange={} listen={} stateDir={} mappingsFile={} api={} "
                        + "apiToken={} {}", loops.transport(), config.threads(), range,
                config.listenAddresses().stream().map(Addresses::format).collect(Collectors.joining(",")),
                config.stateDir(), config.mappingsFile().map(Object::toString).orElse("-"), apiServer.address(),
                token.isPresent() ? "required" : "none", summary());
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
        if (nodeIps.all().isEmpty()) {
            log.warn("event=node_ip_missing fallback={} hint=\"set --node-ip\"",
                    Addresses.format(InetAddress.getLoopbackAddress()));
        }
        for (NodeIps.NodeIp ip : nodeIps.all()) {
            log.info("event=node_ip family={} ip={} source=\"{}\"", ip.family(), Addresses.format(ip.ip()),
                    ip.source());
        }
    }

    /** The version in the jar's manifest, or "dev" when run from classes. */
    static String version() {
        String v = Daemon.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private void apply(List<Endpoint> endpoints) {
        ApplyResult result = service.apply(Source.FILE, endpoints);
        log.info("event=mappings_applied added={} removed={} retargeted={} unchanged={} failed={}",
                result.added().size(), result.removed().size(), result.retargeted().size(),
                result.unchanged().size(), result.failed().size());
    }

    private void rejected(MappingFileException e) {
        log.error("event=mapping_file_rejected action=keep_serving_last_good_state errors=\"{}\"",
                String.join("; ", e.errors()));
    }

    private void retryFailed() {
        try {
            service.retryFailed();
        } catch (RuntimeException e) {
            log.warn("event=retry_failed error=\"{}\"", e.toString());
        }
    }

    /** A one-line summary, e.g. {@code mappings=3 listening=2 conflict=1 error=0}. */
    public String summary() {
        List<MappingStatus> all = service.mappings();
        long listening = all.stream().filter(m -> m.state() == MappingState.LISTENING).count();
        long conflict = all.stream().filter(m -> m.state() == MappingState.CONFLICT).count();
        long error = all.stream().filter(m -> m.state() == MappingState.ERROR).count();
        return "mappings=" + all.size() + " listening=" + listening + " conflict=" + conflict + " error=" + error;
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

    /** True once the state is restored and the mapping file applied: what {@code /readyz} reports. */
    public boolean isReady() {
        return ready.get();
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
            log.info("event=stopping drainTimeout={}s active={}", config.drainTimeout().toSeconds(),
                    dataPlane == null ? 0 : dataPlane.activeConnections());
            ready.set(false);
            if (apiServer != null) {
                apiServer.close();
            }
            if (watcher != null) {
                watcher.close();
            }
            if (control != null) {
                control.shutdownNow();
            }
            if (dataPlane != null) {
                dataPlane.shutdown(config.drainTimeout());
            }
            if (loops != null) {
                loops.close();
            }
            log.info("event=stopped");
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
            log.warn("event=port_range_overlaps_ephemeral portRange={} ip_local_port_range={} "
                            + "risk=\"outgoing connections may take node ports; move the range or set "
                            + "net.ipv4.ip_local_reserved_ports\"", range, ephemeral.get());
        }
    }
}
