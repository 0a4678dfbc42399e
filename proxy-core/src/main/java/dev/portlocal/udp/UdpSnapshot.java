package dev.portlocal.udp;

import dev.portlocal.model.Mapping;

import java.util.List;

/**
 * What one metrics scrape read from the UDP plane: one entry per open mapping.
 *
 * @param mappings the open UDP mappings and their live counters
 */
public record UdpSnapshot(List<Entry> mappings) {

    public UdpSnapshot {
        mappings = List.copyOf(mappings);
    }

    /** One UDP mapping and its live counters. */
    public record Entry(Mapping mapping, UdpCounters counters) {
    }
}
