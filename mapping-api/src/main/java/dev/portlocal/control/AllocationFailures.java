package dev.portlocal.control;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts failed node-port assignments by reason, for {@code portlocal_allocation_failures_total}. Every attempt
 * counts, so a mapping that keeps failing on the 5 s retry counts once per retry.
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

    /** Counts one failure, classified from the message the reconciler reports for it. */
    void record(String message) {
        counts.get(reasonOf(message)).increment();
    }

    static String reasonOf(String message) {
        if (message.startsWith("no free port")) {
            return NO_FREE_PORT;
        }
        if (message.contains("is held by mapping")) {
            return PINNED_CONFLICT;
        }
        if (message.contains("in use by another process")) {
            return IN_USE;
        }
        if (message.contains("outside the port range")) {
            return OUT_OF_RANGE;
        }
        return BIND_FAILED;
    }

    /** Counts so far, by reason, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((reason, n) -> out.put(reason, n.sum()));
        return out;
    }
}
