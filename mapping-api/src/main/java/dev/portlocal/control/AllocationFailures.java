package dev.portlocal.control;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts failed node-port assignments by reason, for {@code portlocal_allocation_failures_total}, one label per
 * {@link FailureKind} that is about a port. Every attempt counts, so a mapping that keeps failing on the 5 s retry
 * counts once per retry, and a refused {@link MappingService#put} counts once.
 *
 * <p>Threading: {@link #record} is called under the {@link MappingService}'s lock; {@link #snapshot()} from any
 * thread.
 */
public final class AllocationFailures {

    /** The reasons, as labels; each is always reported, at 0 until it happens. */
    public static final String NO_FREE_PORT = "no_free_port";
    public static final String PINNED_CONFLICT = "pinned_conflict";
    public static final String IN_USE = "in_use";
    public static final String OUT_OF_RANGE = "out_of_range";
    public static final String BIND_FAILED = "bind_failed";

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    AllocationFailures() {
        for (String reason : new String[] {NO_FREE_PORT, PINNED_CONFLICT, IN_USE, OUT_OF_RANGE, BIND_FAILED}) {
            counts.put(reason, new LongAdder());
        }
    }

    /** Counts one failure of {@code kind}; kinds that are not about a port are not counted. */
    void record(FailureKind kind) {
        kind.allocationLabel().ifPresent(label -> counts.get(label).increment());
    }

    /** Counts so far, by reason, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((reason, n) -> out.put(reason, n.sum()));
        return out;
    }
}
