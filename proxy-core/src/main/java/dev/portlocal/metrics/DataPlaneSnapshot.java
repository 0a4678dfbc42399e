package dev.portlocal.metrics;

import dev.portlocal.model.Mapping;
import dev.portlocal.tcp.ConnectLatency;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.relay.ConnectFailure;
import dev.portlocal.udp.UdpCounters;

import java.util.List;

/**
 * What the metrics scrape reads from the data plane, taken at once by {@link DataPlaneSampler#sample}: one entry
 * per open mapping and per removed one still draining (a removed mapping's series go when its last connection
 * does), and the relay's counters summed over loops.
 *
 * @param tcp      open TCP mappings, and removed ones still draining
 * @param udp      open UDP mappings
 * @param relay    the relay's counters; for a loop that did not answer in time, its last known values
 * @param latency  connect latencies over every TCP mapping since the start, removed ones included
 * @param complete false if some loop did not answer in time (its live connections' bytes wait for the next scrape)
 */
public record DataPlaneSnapshot(List<Tcp> tcp, List<Udp> udp, RelayStats relay, Latency latency,
                                boolean complete) {

    public DataPlaneSnapshot {
        tcp = List.copyOf(tcp);
        udp = List.copyOf(udp);
    }

    /**
     * One TCP mapping.
     *
     * @param active          connections relayed now (including those still connecting)
     * @param total           connections accepted since the mapping opened
     * @param bytesUp         bytes forwarded client → endpoint, closed and live connections; never decreases
     * @param bytesDown       bytes forwarded endpoint → client, likewise
     * @param connectErrors   failed connects to the endpoint, indexed by {@link ConnectFailure#ordinal()}
     * @param latencyCounts   connect latencies per bucket of {@link ConnectLatency#BOUNDS_SECONDS}, the last one
     *                        above every bound; not cumulative
     * @param latencySeconds  the sum of connect latencies
     * @param notAllowed      connections refused at the accept: the client outside allowFrom
     * @param overLimit       connections refused at the accept: past maxConnections
     */
    public record Tcp(Mapping mapping, long active, long total, long bytesUp, long bytesDown, long[] connectErrors,
                      long[] latencyCounts, double latencySeconds, long notAllowed, long overLimit) {
    }

    /**
     * Connect latencies: counts per bucket of {@link ConnectLatency#BOUNDS_SECONDS} (the last one above every
     * bound; not cumulative) and their sum.
     */
    public record Latency(long[] counts, double seconds) {

        public static final Latency ZERO = new Latency(new long[ConnectLatency.BOUNDS_SECONDS.length + 1], 0);

        public Latency plus(Latency other) {
            long[] sum = counts.clone();
            for (int i = 0; i < sum.length && i < other.counts.length; i++) {
                sum[i] += other.counts[i];
            }
            return new Latency(sum, seconds + other.seconds);
        }
    }

    /** One UDP mapping and its live counters. */
    public record Udp(Mapping mapping, UdpCounters counters) {
    }
}
