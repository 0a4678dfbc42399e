package dev.portlocal.metrics;

import dev.portlocal.model.Mapping;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.tcp.ConnectLatency;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.relay.ConnectFailure;
import dev.portlocal.tcp.relay.ConnectionPolicy;
import dev.portlocal.udp.UdpCounters;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The data plane's series, from one {@link DataPlaneSampler#sample} per scrape: per mapping (labels
 * {@code endpoint}, {@code port}, {@code protocol}, {@code ip_family}, {@code node_port}) and the relay's counters.
 * Open mappings are listed, and removed ones until their connections have drained, so a removed mapping's series
 * disappear once it carries nothing and the label cardinality is bounded by the mapping count.
 */
final class DataPlaneCollector implements MultiCollector {

    private static final double[] BOUNDS;

    static {
        BOUNDS = new double[ConnectLatency.BOUNDS_SECONDS.length + 1];
        System.arraycopy(ConnectLatency.BOUNDS_SECONDS, 0, BOUNDS, 0, ConnectLatency.BOUNDS_SECONDS.length);
        BOUNDS[BOUNDS.length - 1] = Double.POSITIVE_INFINITY;
    }

    private final DataPlaneSampler sampler;
    private final Duration loopTimeout;
    private final boolean latencyPerMapping;

    DataPlaneCollector(DataPlane dataPlane, Duration loopTimeout, boolean latencyPerMapping) {
        requireNonNull(dataPlane, "dataPlane");
        this.sampler = new DataPlaneSampler(dataPlane.tcp(), dataPlane.udp());
        this.loopTimeout = requireNonNull(loopTimeout, "loopTimeout");
        this.latencyPerMapping = latencyPerMapping;
    }

    /**
     * A mapping's labels. An endpoint named {@code namespace/pod} (as the Kubernetes source names every Pod) also
     * gets {@code namespace} and {@code pod}, so the series join with kube-state-metrics and cAdvisor.
     */
    static Labels labels(Mapping m) {
        String endpoint = m.key().endpoint();
        Labels l = Labels.of("endpoint", endpoint, "port", Integer.toString(m.key().port()),
                "protocol", m.protocol().wireName(),
                "ip_family", m.family().toString(), "node_port", Integer.toString(m.nodePort()));
        int slash = endpoint.indexOf('/');
        if (slash > 0) {
            l = l.add("namespace", endpoint.substring(0, slash)).add("pod", endpoint.substring(slash + 1));
        }
        return l;
    }

    @Override
    public MetricSnapshots collect() {
        DataPlaneSnapshot s = sampler.sample(loopTimeout);
        List<CounterDataPointSnapshot> total = new ArrayList<>();
        List<GaugeDataPointSnapshot> active = new ArrayList<>();
        List<CounterDataPointSnapshot> bytes = new ArrayList<>();
        List<CounterDataPointSnapshot> errors = new ArrayList<>();
        List<CounterDataPointSnapshot> refused = new ArrayList<>();
        List<HistogramDataPointSnapshot> latency = new ArrayList<>();
        // One series per label set: a mapping removed and opened again on the same node port while its old
        // connections drain has two entries with the same labels, which count as one mapping.
        Map<Labels, long[]> perMapping = new LinkedHashMap<>();
        Map<Labels, DataPlaneSnapshot.Latency> latencyPerLabels = new LinkedHashMap<>();
        int errorKinds = ConnectFailure.values().length;
        for (DataPlaneSnapshot.Tcp t : s.tcp()) {
            Labels l = labels(t.mapping());
            long[] sum = perMapping.computeIfAbsent(l, k -> new long[6 + errorKinds]);
            sum[0] += t.total();
            sum[1] += t.active();
            sum[2] += t.bytesUp();
            sum[3] += t.bytesDown();
            for (int e = 0; e < errorKinds; e++) {
                sum[4 + e] += t.connectErrors()[e];
            }
            sum[4 + errorKinds] += t.notAllowed();
            sum[5 + errorKinds] += t.overLimit();
            latencyPerLabels.merge(l, new DataPlaneSnapshot.Latency(t.latencyCounts(), t.latencySeconds()),
                    DataPlaneSnapshot.Latency::plus);
        }
        for (Map.Entry<Labels, long[]> e : perMapping.entrySet()) {
            Labels l = e.getKey();
            long[] sum = e.getValue();
            total.add(counter(l, sum[0]));
            active.add(gauge(l, sum[1]));
            bytes.add(counter(l.add("direction", "to_endpoint"), sum[2]));
            bytes.add(counter(l.add("direction", "to_client"), sum[3]));
            for (ConnectFailure reason : ConnectFailure.values()) {
                errors.add(counter(l.add("reason", reason.label()), sum[4 + reason.ordinal()]));
            }
            refused.add(counter(l.add("reason", ConnectionPolicy.NOT_ALLOWED), sum[4 + errorKinds]));
            refused.add(counter(l.add("reason", ConnectionPolicy.OVER_LIMIT), sum[5 + errorKinds]));
            if (latencyPerMapping) {
                DataPlaneSnapshot.Latency lat = latencyPerLabels.get(l);
                latency.add(histogram(l, lat.counts(), lat.seconds()));
            }
        }
        if (!latencyPerMapping) {
            latency.add(histogram(Labels.EMPTY, s.latency().counts(), s.latency().seconds()));
        }
        List<GaugeDataPointSnapshot> udpSessions = new ArrayList<>();
        List<CounterDataPointSnapshot> udpSessionsTotal = new ArrayList<>();
        List<CounterDataPointSnapshot> udpDatagrams = new ArrayList<>();
        List<CounterDataPointSnapshot> udpDropped = new ArrayList<>();
        for (DataPlaneSnapshot.Udp u : s.udp()) {
            Labels l = labels(u.mapping());
            UdpCounters c = u.counters();
            udpSessions.add(gauge(l, c.sessions()));
            udpSessionsTotal.add(counter(l, c.sessionsCreated()));
            udpDatagrams.add(counter(l.add("direction", "to_endpoint"), c.datagramsToEndpoint()));
            udpDatagrams.add(counter(l.add("direction", "to_client"), c.datagramsToClient()));
            udpDropped.add(counter(l.add("reason", "session_cap"), c.droppedOverCap()));
            udpDropped.add(counter(l.add("reason", "port_unreachable"), c.portUnreachable()));
            udpDropped.add(counter(l.add("reason", ConnectionPolicy.NOT_ALLOWED), c.droppedNotAllowed()));
        }
        RelayStats r = s.relay();
        return MetricSnapshots.of(
                counters("portlocal_connections", "TCP connections accepted on the node port.", total),
                gauges("portlocal_connections_active", "TCP connections relayed now, including those connecting.",
                        active),
                counters("portlocal_bytes", "Bytes relayed, by direction (to_endpoint, to_client).", bytes),
                counters("portlocal_connect_errors", "Failed connects to the endpoint, by reason.", errors),
                counters("portlocal_connections_refused", "TCP connections reset at the accept, by reason "
                        + "(not_allowed: outside allowFrom; over_limit: past maxConnections).", refused),
                new HistogramSnapshot(new MetricMetadata("portlocal_connect_duration_seconds",
                        "Time from the accept to the endpoint's answer to our connect"
                                + (latencyPerMapping ? "." : ", over every mapping.")), latency),
                gauges("portlocal_udp_sessions_active", "UDP sessions (client address and port) open now.",
                        udpSessions),
                counters("portlocal_udp_sessions", "UDP sessions created.", udpSessionsTotal),
                counters("portlocal_udp_datagrams", "UDP datagrams relayed, by direction.", udpDatagrams),
                counters("portlocal_udp_dropped", "UDP datagrams dropped, by reason.", udpDropped),
                counters("portlocal_relay_spliced_bytes", "Bytes the relay moved with splice(2), all mappings.",
                        List.of(counter(Labels.EMPTY, r.bytesSpliced()))),
                counters("portlocal_relay_copied_bytes", "Bytes the relay moved through a buffer, all mappings.",
                        List.of(counter(Labels.EMPTY, r.bytesCopied()))),
                gauges("portlocal_relay_pipes_in_use", "Pipes holding bytes now, all loops.",
                        List.of(gauge(Labels.EMPTY, r.pipesInUse()))),
                counters("portlocal_relay_pipes_created", "Pipes created.",
                        List.of(counter(Labels.EMPTY, r.pipesCreated()))),
                counters("portlocal_relay_pipe_fallbacks", "Reads that copied although splice was wanted, by reason.",
                        List.of(counter(Labels.of("reason", "pool_exhausted"), r.fallbackPoolExhausted()),
                                counter(Labels.of("reason", "quota"), r.fallbackQuota()),
                                counter(Labels.of("reason", "pipe_error"), r.fallbackPipeError()))),
                gauges("portlocal_scrape_loops_complete", "1 if every event loop answered this scrape in time.",
                        List.of(gauge(Labels.EMPTY, s.complete() ? 1 : 0))));
    }

    private static HistogramDataPointSnapshot histogram(Labels labels, long[] counts, double seconds) {
        return HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
                .sum(seconds)
                .labels(labels)
                .build();
    }

    private static CounterDataPointSnapshot counter(Labels labels, double value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static CounterSnapshot counters(String name, String help, List<CounterDataPointSnapshot> points) {
        return new CounterSnapshot(new MetricMetadata(name, help), points);
    }

    private static GaugeSnapshot gauges(String name, String help, List<GaugeDataPointSnapshot> points) {
        return new GaugeSnapshot(new MetricMetadata(name, help), points);
    }
}
