package dev.portlocal.tcp;

import dev.portlocal.model.Mapping;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.relay.ConnectFailure;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one metrics scrape read from the TCP plane: one entry per open mapping and per removed one whose
 * connections are draining, and the relay's counters of each event loop. Raw readings: holding byte totals so
 * they never go back, and standing in for a loop that did not answer, is the metrics package's business.
 *
 * @param mappings the open TCP mappings and the removed ones still draining
 * @param loops    per event loop, its relay counters, or null if it did not answer in time (then the bytes of the
 *                 live connections it owns are missing from {@code mappings} too)
 */
public record TcpSnapshot(List<Entry> mappings, List<RelayStats> loops) {

    public TcpSnapshot {
        mappings = List.copyOf(mappings);
        loops = Collections.unmodifiableList(new ArrayList<>(loops));
    }

    /**
     * One TCP mapping.
     *
     * @param id              tells this opening of the mapping from an earlier one of the same key
     * @param active          connections relayed now (including those still connecting)
     * @param total           connections accepted since the mapping opened
     * @param bytesUp         bytes forwarded client → endpoint by closed connections and by the live ones of the
     *                        loops that answered
     * @param bytesDown       bytes forwarded endpoint → client, likewise
     * @param connectErrors   failed connects to the endpoint, indexed by {@link ConnectFailure#ordinal()}
     * @param latencyCounts   connect latencies per bucket of {@link ConnectLatency#BOUNDS_SECONDS}, the last one
     *                        above every bound; not cumulative
     * @param latencySeconds  the sum of connect latencies
     * @param notAllowed      connections refused at the accept: the client outside allowFrom
     * @param overLimit       connections refused at the accept: past maxConnections (the mapping's or the daemon's)
     */
    public record Entry(long id, Mapping mapping, long active, long total, long bytesUp, long bytesDown,
                        long[] connectErrors, long[] latencyCounts, double latencySeconds, long notAllowed,
                        long overLimit) {
    }
}
