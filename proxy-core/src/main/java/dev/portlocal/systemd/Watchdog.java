package dev.portlocal.systemd;

import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Sends {@code WATCHDOG=1} at half of {@code $WATCHDOG_USEC}, but only after every watched executor (each event
 * loop of the data plane, and the control thread) has run a no-op task: a stuck loop stops the pings, and systemd
 * restarts the service. A round still waiting when the next tick comes is not replaced, so a stuck loop gets no
 * pile of tasks and a released one sends one late ping, not a burst.
 *
 * <p>Threading: ticks and pings run on the notifier's loop; the executor that answers last hands the ping to it.
 */
public final class Watchdog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    private final SystemdNotifier notifier;
    private final List<? extends Executor> watched;
    private final ScheduledFuture<?> ticks;
    /** Executors yet to answer the current round; 0 when no round is waiting. Notifier loop and watched. */
    private final AtomicInteger waiting = new AtomicInteger();
    private int missedTicks;

    private Watchdog(SystemdNotifier notifier, List<? extends Executor> watched, Duration period) {
        this.notifier = notifier;
        this.watched = List.copyOf(watched);
        IoEventLoop loop = notifier.loop();
        long nanos = period.toNanos();
        this.ticks = loop.scheduleAtFixedRate(this::tick, 0, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Starts pinging at half of {@code interval}, or returns null when {@code notifier} is disabled.
     *
     * @param watched the executors that must answer before each ping
     */
    public static Watchdog start(SystemdNotifier notifier, Duration interval, List<? extends Executor> watched) {
        requireNonNull(watched, "watched");
        if (!notifier.enabled()) {
            return null;
        }
        Duration period = interval.dividedBy(2);
        log.atInfo().setMessage("watchdog_started")
                .addKeyValue("intervalMs", interval.toMillis())
                .addKeyValue("periodMs", period.toMillis())
                .addKeyValue("watched", watched.size())
                .log();
        return new Watchdog(notifier, watched, period);
    }

    private void tick() {
        if (waiting.get() > 0) {
            if (missedTicks++ == 0) {
                log.atWarn().setMessage("watchdog_withheld")
                        .addKeyValue("reason", waiting.get() + " of " + watched.size()
                                + " event loops did not answer within a period")
                        .log();
            }
            return;
        }
        if (missedTicks > 0) {
            log.atInfo().setMessage("watchdog_resumed").addKeyValue("missedTicks", missedTicks).log();
            missedTicks = 0;
        }
        waiting.set(watched.size());
        for (Executor e : watched) {
            try {
                e.execute(this::answered);
            } catch (RejectedExecutionException shuttingDown) {
                return;
            }
        }
    }

    /** On a watched executor: the last to answer hands the ping to the notifier's loop, never blocking here. */
    private void answered() {
        if (waiting.decrementAndGet() == 0) {
            try {
                notifier.loop().execute(notifier::watchdog);
            } catch (RejectedExecutionException shuttingDown) {
                // the notifier is closing with the daemon
            }
        }
    }

    @Override
    public void close() {
        ticks.cancel(false);
    }
}
