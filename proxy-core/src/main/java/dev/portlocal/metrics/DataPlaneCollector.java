package dev.portlocal.metrics;

import dev.portlocal.model.Mapping;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.tcp.ConnectLatency;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.relay.ConnectFailure;
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
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The data plane's series, from one {@link DataPlaneSampler#sample} per scrape: per mapping (labels
 * {@code endpoint}, {@code port}, {@code protocol}, {@code ip_family}, {@code node_port}) and the relay's counters.
 * Only open mappings are listed, so a removed mapping's series disappear with it and the label cardinality is
 * bounded by the mapping count.
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

    DataPlaneCollector(DataPlane dataPlane, Duration loopTimeout) {
        requireNonNull(dataPlane, "dataPlane");
        this.sampler = new DataPlaneSampler(dataPlane.tcp(), dataPlane.udp());
        this.loopTimeout = requireNonNull(loopTimeout, "loopTimeout");
    }

    static Labels labels(Mapping m) {
        return Labels.of("endpoint", m.key().endpoint(), "port", Integer.toString(m.key().port()),
                "protocol", m.protocol().wireName(),
                "ip_family", m.family().toString(), "node_port", Integer.toString(m.nodePort()));
    }

    @Override
    public MetricSnapshots collect() {
        DataPlaneSnapshot s = sampler.sample(loopTimeout);
        List<CounterDataPointSnapshot> total = new ArrayList<>();
        List<GaugeDataPointSnapshot> active = new ArrayList<>();
        List<CounterDataPointSnapshot> bytes = new ArrayList<>();
        List<CounterDataPointSnapshot> errors = new ArrayList<>();
        List<HistogramDataPointSnapshot> latency = new ArrayList<>();
        for (DataPlaneSnapshot.Tcp t : s.tcp()) {
            Labels l = labels(t.mapping());
            total.add(counter(l, t.total()));
            active.add(gauge(l, t.active()));
            bytes.add(counter(l.add("direction", "to_endpoint"), t.bytesUp()));
            bytes.add(counter(l.add("direction", "to_client"), t.bytesDown()));
            for (ConnectFailure reason : ConnectFailure.values()) {
                errors.add(counter(l.add("reason", reason.label()), t.connectErrors()[reason.ordinal()]));
            }
            latency.add(HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, t.latencyCounts()))
                    .sum(t.latencySeconds())
                    .labels(l)
                    .build());
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
        }
        RelayStats r = s.relay();
        return MetricSnapshots.of(
                counters("portlocal_connections", "TCP connections accepted on the node port.", total),
                gauges("portlocal_connections_active", "TCP connections relayed now, including those connecting.",
                        active),
                counters("portlocal_bytes", "Bytes relayed, by direction (to_endpoint, to_client).", bytes),
                counters("portlocal_connect_errors", "Failed connects to the endpoint, by reason.", errors),
                new HistogramSnapshot(new MetricMetadata("portlocal_connect_duration_seconds",
                        "Time from the accept to the endpoint's answer to our connect."), latency),
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
