package dev.portlocal.daemon;

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

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A running portlocal: event loops, the data plane, the mapping service and the mapping file watcher.
 *
 * <p>Lifecycle: {@link #start()} binds every mapping from the state and the file, or throws
 * {@link MappingFileException} if the file is invalid at start. {@link #stop()} stops accepting on every node port at
 * once, drains connections up to the drain timeout and releases everything. The state file keeps the assignments,
 * so the next start gets the same node ports back.
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
        loops = new EventLoops(config.transport(), config.threads());
        dataPlane = new DataPlane(loops, new DataPlaneConfig(
                config.listenAddresses(), config.relay(), config.drainTimeout()));
        service = new MappingService(range, dataPlane, new StateStore(config.stateDir()));
        service.restore();
        initial.ifPresent(endpoints -> apply(endpoints));
        if (config.mappingsFile().isPresent()) {
            watcher = new MappingFileWatcher(config.mappingsFile().get(), parser, this::apply, this::rejected);
            watcher.start();
        }
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portlocal-retry");
            t.setDaemon(true);
            return t;
        });
        control.scheduleWithFixedDelay(this::retryFailed, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
        log.info("event=started transport={} threads={} portRange={} listen={} stateDir={} mappingsFile={} {}",
                loops.transport(), config.threads(), range,
                config.listenAddresses().stream().map(Addresses::format).collect(Collectors.joining(",")),
                config.stateDir(), config.mappingsFile().map(Object::toString).orElse("-"), summary());
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
