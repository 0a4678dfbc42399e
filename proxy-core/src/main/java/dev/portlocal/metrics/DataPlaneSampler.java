package dev.portlocal.metrics;

import dev.portlocal.tcp.TcpPlane;
import dev.portlocal.tcp.TcpSnapshot;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.udp.UdpPlane;
import dev.portlocal.udp.UdpSnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates the protocol planes' readings into one {@link DataPlaneSnapshot} per scrape. The planes report raw
 * values; this keeps what a scrape must remember between scrapes:
 * <ul>
 *   <li>byte totals per opening of a mapping, held at their last reported value so a counter never goes back (a
 *       connection that closes while a scrape reads it is missed once);</li>
 *   <li>each loop's last relay counters, which stand in for a loop that did not answer in time;</li>
 *   <li>the connect latencies of mappings that were removed, as of the last scrape that saw them, so the
 *       daemon-wide histogram never goes back.</li>
 * </ul>
 *
 * <p>Threading: one scrape at a time (the control thread); {@link #sample} is synchronized for safety.
 */
final class DataPlaneSampler {

    private final TcpPlane tcp;
    private final UdpPlane udp;
    /** Per event loop index, the relay counters it last reported. */
    private final Map<Integer, RelayStats> lastRelayStats = new HashMap<>();
    /** Per {@link TcpSnapshot.Entry#id()}, the bytes up and down last reported; only open mappings are kept. */
    private Map<Long, long[]> reportedBytes = new HashMap<>();
    /** Per {@link TcpSnapshot.Entry#id()}, the latency counts and sum last reported; only open mappings. */
    private Map<Long, DataPlaneSnapshot.Latency> reportedLatency = new HashMap<>();
    /** The latencies of mappings no longer open. */
    private DataPlaneSnapshot.Latency retiredLatency = DataPlaneSnapshot.Latency.ZERO;

    DataPlaneSampler(TcpPlane tcp, UdpPlane udp) {
        this.tcp = tcp;
        this.udp = udp;
    }

    /** Reads both planes, waiting at most {@code timeout} for any event loop. Never blocks longer. */
    synchronized DataPlaneSnapshot sample(Duration timeout) {
        TcpSnapshot t = tcp.snapshot(timeout);
        boolean complete = true;
        RelayStats relay = RelayStats.ZERO;
        for (int l = 0; l < t.loops().size(); l++) {
            RelayStats stats = t.loops().get(l);
            if (stats == null) {
                complete = false;
                stats = lastRelayStats.getOrDefault(l, RelayStats.ZERO);
            } else {
                lastRelayStats.put(l, stats);
            }
            relay = relay.plus(stats);
        }
        Map<Long, long[]> reported = new HashMap<>();
        Map<Long, DataPlaneSnapshot.Latency> latency = new HashMap<>();
        List<DataPlaneSnapshot.Tcp> tcpOut = new ArrayList<>();
        for (TcpSnapshot.Entry e : t.mappings()) {
            latency.put(e.id(), new DataPlaneSnapshot.Latency(e.latencyCounts(), e.latencySeconds()));
            long[] last = reportedBytes.getOrDefault(e.id(), new long[2]);
            long up = Math.max(last[0], e.bytesUp());
            long down = Math.max(last[1], e.bytesDown());
            reported.put(e.id(), new long[] {up, down});
            tcpOut.add(new DataPlaneSnapshot.Tcp(e.mapping(), e.active(), e.total(), up, down, e.connectErrors(),
                    e.latencyCounts(), e.latencySeconds(), e.notAllowed(), e.overLimit()));
        }
        reportedBytes = reported;
        for (Map.Entry<Long, DataPlaneSnapshot.Latency> gone : reportedLatency.entrySet()) {
            if (!latency.containsKey(gone.getKey())) {
                retiredLatency = retiredLatency.plus(gone.getValue());
            }
        }
        reportedLatency = latency;
        DataPlaneSnapshot.Latency all = retiredLatency;
        for (DataPlaneSnapshot.Latency l : latency.values()) {
            all = all.plus(l);
        }
        List<DataPlaneSnapshot.Udp> udpOut = new ArrayList<>();
        for (UdpSnapshot.Entry e : udp.snapshot(timeout).mappings()) {
            udpOut.add(new DataPlaneSnapshot.Udp(e.mapping(), e.counters()));
        }
        return new DataPlaneSnapshot(tcpOut, udpOut, relay, all, complete);
    }
}
