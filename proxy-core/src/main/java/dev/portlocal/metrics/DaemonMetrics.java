package dev.portlocal.metrics;

import dev.portlocal.api.ApiCounters;
import dev.portlocal.api.MetricsSource;
import dev.portlocal.control.MappingService;
import dev.portlocal.health.HealthMonitor;
import dev.portlocal.kubernetes.KubernetesMetrics;
import dev.portlocal.kubernetes.KubernetesMetrics.Resource;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.Protocol;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.supervision.Supervisor;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Every metric of a running daemon, in one {@link PrometheusRegistry} of its own (never the client's global
 * default, so in-process daemons in tests do not share series). Served by the API as {@code GET /metrics}.
 *
 * <p>Threading: {@link #scrape()}, {@link #reload(ReloadResult)} and {@link #reloadStatus} run on the control
 * thread.
 */
public final class DaemonMetrics implements MetricsSource {

    /** How long a scrape waits for each event loop before it reports that loop's last known values. */
    public static final Duration LOOP_TIMEOUT = Duration.ofSeconds(1);

    /** A reload's result: the label of {@code portlocal_reloads_total}. */
    public enum ReloadResult {
        /** The config and the mapping file were read and applied. */
        OK,
        /** The config or the mapping file was invalid; the previous one goes on serving. */
        INVALID,
        /** Something failed while applying; see the log. */
        FAILED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
    private final OpenMetricsTextFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();
    private final Counter reloads;
    private final Gauge lastReloadSuccessful;
    private final Gauge lastReloadSuccessTime;

    public DaemonMetrics(String version, String transport, MappingService service, DataPlane dataPlane) {
        this(version, transport, service, dataPlane, false);
    }

    /**
     * With {@code latencyPerMapping}, {@code portlocal_connect_duration_seconds} has one histogram per mapping (17
     * series each) instead of one for the daemon.
     */
    public DaemonMetrics(String version, String transport, MappingService service, DataPlane dataPlane,
                         boolean latencyPerMapping) {
        requireNonNull(service, "service");
        // process_open_fds against process_max_fds, RSS, CPU; JVM memory (direct buffers included), GC, threads.
        JvmMetrics.builder().register(registry);
        Info.builder()
                .name("portlocal_build_info")
                .help("The running build: version, Java runtime and I/O transport.")
                .labelNames("version", "java_version", "transport")
                .register(registry)
                .setLabelValues(version, System.getProperty("java.version"), transport);
        GaugeWithCallback.builder()
                .name("portlocal_mappings")
                .help("Mappings by state: listening, not-ready and endpoint-down (the port held, refusing), "
                        + "conflict (a pinned port is taken), error.")
                .labelNames("state")
                .callback(cb -> {
                    Map<MappingState, Integer> byState = new EnumMap<>(MappingState.class);
                    for (MappingState s : MappingState.values()) {
                        byState.put(s, 0);
                    }
                    for (MappingStatus m : service.mappings()) {
                        byState.merge(m.state(), 1, Integer::sum);
                    }
                    byState.forEach((s, n) -> cb.call(n, s.wireName()));
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("portlocal_ports_free")
                .help("Node ports free in the range, per protocol and IP family.")
                .labelNames("protocol", "ip_family")
                .callback(cb -> {
                    for (Protocol p : Protocol.values()) {
                        for (IpFamily f : IpFamily.values()) {
                            cb.call(service.freePorts(p, f), p.wireName(), f.toString());
                        }
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("portlocal_allocation_failures")
                .help("Failed node port assignments (every attempt, retries included), by reason.")
                .labelNames("reason")
                .callback(cb -> service.allocationFailures().snapshot().forEach((reason, n) -> cb.call(n, reason)))
                .register(registry);
        reloads = Counter.builder()
                .name("portlocal_reloads")
                .help("Reloads (SIGHUP) by result: ok, invalid (the old config keeps serving), failed.")
                .labelNames("result")
                .register(registry);
        for (ReloadResult r : ReloadResult.values()) {
            reloads.labelValues(r.label());
        }
        lastReloadSuccessful = Gauge.builder()
                .name("portlocal_config_last_reload_successful")
                .help("1 if the last reload (SIGHUP, or a change of the mapping file) was applied, 0 if refused.")
                .register(registry);
        lastReloadSuccessTime = Gauge.builder()
                .name("portlocal_config_last_reload_success_timestamp_seconds")
                .help("When a reload (or the start) last succeeded, in seconds since the epoch.")
                .register(registry);
        registry.register(new DataPlaneCollector(dataPlane, LOOP_TIMEOUT, latencyPerMapping));
        CounterWithCallback.builder()
                .name("portlocal_access_log_lines")
                .help("Access log lines, by result: written, or dropped because the writer fell behind.")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(dataPlane.tcp().accessLog().written(), "written");
                    cb.call(dataPlane.tcp().accessLog().dropped(), "dropped");
                })
                .register(registry);
    }

    /** Registers the API's series: connections open, refused at the cap, closed at the request deadline. */
    public void api(ApiCounters counters) {
        requireNonNull(counters, "counters");
        GaugeWithCallback.builder()
                .name("portlocal_api_connections")
                .help("API connections open now, on TCP and the unix socket.")
                .callback(cb -> cb.call(counters.open()))
                .register(registry);
        CounterWithCallback.builder()
                .name("portlocal_api_connections_refused")
                .help("API connections closed at once because their listener had apiMaxConnections open.")
                .callback(cb -> cb.call(counters.refused()))
                .register(registry);
        CounterWithCallback.builder()
                .name("portlocal_api_request_timeouts")
                .help("API connections closed with 408 because a whole request took longer than apiRequestTimeout.")
                .callback(cb -> cb.call(counters.timedOut()))
                .register(registry);
    }

    /** Registers the supervised threads' restarts, per thread. */
    public void supervisor(Supervisor supervisor) {
        requireNonNull(supervisor, "supervisor");
        CounterWithCallback.builder()
                .name("portlocal_thread_restarts")
                .help("Failures of a control-plane thread (logged as event=thread_failed), each followed by a restart.")
                .labelNames("thread")
                .callback(cb -> supervisor.restarts().forEach((thread, count) -> cb.call(count, thread)))
                .register(registry);
    }

    /** Registers the health checks' series: probes by result, and the transitions they caused. */
    public void health(HealthMonitor monitor, MappingService service) {
        CounterWithCallback.builder()
                .name("portlocal_health_probes")
                .help("Health check probes (a TCP connect to the endpoint), by result: ok, failed.")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(monitor.probesOk(), "ok");
                    cb.call(monitor.probesFailed(), "failed");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("portlocal_health_transitions")
                .help("Mappings whose endpoint went down or came back, as their health checks found.")
                .callback(cb -> cb.call(service.healthTransitions()))
                .register(registry);
    }

    /**
     * Registers the Kubernetes source's series: informer state per resource, objects seen, the node IP, and the
     * annotation patches. Called once, when the source starts.
     */
    public void kubernetes(KubernetesMetrics k8s) {
        requireNonNull(k8s, "k8s");
        GaugeWithCallback.builder()
                .name("portlocal_kubernetes_informer_synced")
                .help("1 once the informer of the resource has listed it (pods, services, node).")
                .labelNames("resource")
                .callback(cb -> {
                    for (Resource r : Resource.values()) {
                        cb.call(k8s.synced(r) ? 1 : 0, r.name().toLowerCase(Locale.ROOT));
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("portlocal_kubernetes_informer_watching")
                .help("1 while the informer's watch of the resource is open; 0 while it reconnects.")
                .labelNames("resource")
                .callback(cb -> {
                    for (Resource r : Resource.values()) {
                        cb.call(k8s.watching(r) ? 1 : 0, r.name().toLowerCase(Locale.ROOT));
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("portlocal_kubernetes_objects")
                .help("Objects seen: pods (on this node), services, services_enabled (opted in), pods_mapped.")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(k8s.podsSeen(), "pods");
                    cb.call(k8s.servicesSeen(), "services");
                    cb.call(k8s.servicesEnabled(), "services_enabled");
                    cb.call(k8s.podsMapped(), "pods_mapped");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("portlocal_kubernetes_node_ip_known")
                .help("1 once this Node's object has given an address; nothing is mapped before.")
                .callback(cb -> cb.call(k8s.nodeIpKnown() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("portlocal_kubernetes_patches_pending")
                .help("Pods whose annotation differs from what is mapped and waits for a patch (or its retry).")
                .callback(cb -> cb.call(k8s.patchesPending()))
                .register(registry);
        CounterWithCallback.builder()
                .name("portlocal_kubernetes_patches")
                .help("Annotation patches through pods/status, by result: ok, failed (retried with backoff).")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(k8s.patchesSent(), "ok");
                    cb.call(k8s.patchesFailed(), "failed");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("portlocal_kubernetes_reconciles")
                .help("Translations of the watched objects into mappings.")
                .callback(cb -> cb.call(k8s.reconciles()))
                .register(registry);
    }

    /** Sets the outcome of the last reload and when one last succeeded. */
    public void reloadStatus(boolean successful, Instant lastSuccess) {
        lastReloadSuccessful.set(successful ? 1 : 0);
        lastReloadSuccessTime.set(lastSuccess.toEpochMilli() / 1000.0);
    }

    /** Counts one reload. */
    public void reload(ReloadResult result) {
        reloads.labelValues(result.label()).inc();
    }

    /**
     * Renders every metric: OpenMetrics if {@code accept} asks for it, else the Prometheus text format. Bucket and
     * quantile bounds are written as Prometheus writes them ({@code le="0.0001"}, not Java's {@code 1.0E-4}), so
     * a query or a recording rule that names a bucket matches.
     */
    @Override
    public Exposition scrape(Optional<String> accept) {
        ExpositionFormatWriter writer = accept.isPresent() && openMetrics.accepts(accept.get()) ? openMetrics : text;
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Exposition(writer.getContentType(), Bounds.canonical(out.toByteArray()));
    }
}
