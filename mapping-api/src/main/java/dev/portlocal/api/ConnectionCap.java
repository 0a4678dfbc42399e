package dev.portlocal.api;

import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cap on one listener's open connections. Past it a new connection is closed at once, before any handler reads
 * from it, and counted; the first refusal of an episode is logged at warn ({@code event=api_connections_capped}),
 * and the next connection admitted ends the episode ({@code event=api_connections_uncapped refused=N}).
 *
 * <p>Threading: called on the listener's event loop; the counts are atomic.
 */
final class ConnectionCap {

    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);

    private final ApiAddress address;
    private final int max;
    private final ApiCounters counters;
    private final AtomicInteger open = new AtomicInteger();
    /** Refused in the current episode; 0 when there is none. */
    private final AtomicLong episode = new AtomicLong();

    ConnectionCap(ApiAddress address, int max, ApiCounters counters) {
        this.address = address;
        this.max = max;
        this.counters = counters;
    }

    /** Admits {@code ch}, counted until it closes, or closes it at once and returns false. */
    boolean admit(Channel ch) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            counters.refusedOne();
            if (episode.getAndIncrement() == 0) {
                log.atWarn().setMessage("api_connections_capped")
                        .addKeyValue("api", address)
                        .addKeyValue("maxConnections", max)
                        .addKeyValue("action", "closing new connections until one ends")
                        .log();
            }
            ch.close();
            return false;
        }
        counters.opened();
        long refused = episode.getAndSet(0);
        if (refused > 0) {
            log.atInfo().setMessage("api_connections_uncapped")
                    .addKeyValue("api", address)
                    .addKeyValue("refused", refused)
                    .log();
        }
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            counters.closed();
        });
        return true;
    }
}
