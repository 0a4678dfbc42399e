package dev.portlocal.api;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the API's listeners, for the metrics: connections open now, connections refused at the cap, and
 * connections closed at the request deadline. One instance may serve several listeners (TCP and the unix socket).
 *
 * <p>Thread-safe.
 */
public final class ApiCounters {

    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder timedOut = new LongAdder();

    /** API connections open now, on every listener. */
    public int open() {
        return open.get();
    }

    /** Connections closed at once because their listener had {@code maxConnections} open. */
    public long refused() {
        return refused.sum();
    }

    /** Connections closed because a whole request did not arrive within the request timeout. */
    public long timedOut() {
        return timedOut.sum();
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    void refusedOne() {
        refused.increment();
    }

    void timedOutOne() {
        timedOut.increment();
    }
}
