package dev.portlocal.supervision;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Keeps the control plane's long-running work alive. {@link #run} runs a body on the calling thread; whatever it
 * throws (an {@link Error} too) is logged at error ({@code event=thread_failed thread=NAME error=...}), counted
 * ({@link #restarts()}), and the body runs again after a backoff that doubles from {@link #MIN_BACKOFF} to
 * {@link #MAX_BACKOFF} (back to the minimum once a run lasted longer than the maximum). While a body is down (from
 * its failure to its restart) {@link #down()} names it, and the listeners hear of both changes.
 *
 * <p>Thread-safe: one instance serves every supervised thread of a daemon.
 */
public final class Supervisor {

    public static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    /** Waits {@code millis}, or less; returns true if the supervised work should stop instead. */
    @FunctionalInterface
    public interface Pause {
        boolean await(long millis) throws InterruptedException;
    }

    private final Map<String, AtomicLong> restarts = new ConcurrentHashMap<>();
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Counts {@code thread} from now on, so its series shows 0 before any failure. */
    public void register(String thread) {
        restarts.computeIfAbsent(requireNonNull(thread, "thread"), t -> new AtomicLong());
    }

    /** Runs {@code listener} (on the failing thread) each time a supervised body goes down or comes back. */
    public void onChange(Runnable listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    /** Restarts per thread name, sorted by name. */
    public Map<String, Long> restarts() {
        Map<String, Long> copy = new TreeMap<>();
        restarts.forEach((name, count) -> copy.put(name, count.get()));
        return copy;
    }

    /** The threads down now, waiting for their restart. */
    public Set<String> down() {
        return Set.copyOf(down);
    }

    /** The backoff after {@code failures} failures in a row: 100 ms, 200 ms, 400 ms, ... at most 30 s. */
    public static long backoffMillis(int failures) {
        int doublings = Math.max(0, Math.min(failures - 1, 20));
        return Math.min(MAX_BACKOFF.toMillis(), MIN_BACKOFF.toMillis() << doublings);
    }

    /**
     * Runs {@code body} under supervision on this thread until it returns normally or {@code stopped} is true.
     * Between a failure and the restart, waits on {@code pause}; an interrupt there ends the supervision.
     */
    public void run(String thread, Runnable body, BooleanSupplier stopped, Pause pause) {
        register(thread);
        int failures = 0;
        while (!stopped.getAsBoolean()) {
            long started = System.nanoTime();
            try {
                body.run();
                return;
            } catch (Throwable e) {
                if (stopped.getAsBoolean()) {
                    return;
                }
                if (System.nanoTime() - started > MAX_BACKOFF.toNanos()) {
                    failures = 0;
                }
                failures++;
                long backoff = backoffMillis(failures);
                restarts.get(thread).incrementAndGet();
                down.add(thread);
                changed();
                log.atError().setMessage("thread_failed")
                        .addKeyValue("thread", thread)
                        .addKeyValue("error", e.toString())
                        .addKeyValue("failuresInARow", failures)
                        .addKeyValue("restartInMs", backoff)
                        .setCause(e)
                        .log();
                try {
                    if (pause.await(backoff)) {
                        return;
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    down.remove(thread);
                }
                log.atInfo().setMessage("thread_restarted")
                        .addKeyValue("thread", thread)
                        .addKeyValue("restarts", restarts.get(thread).get())
                        .log();
                changed();
            }
        }
    }

    /**
     * {@code task} for a periodic executor: a failure is logged and counted under {@code thread} and the next run
     * goes ahead, instead of the executor cancelling the task silently.
     */
    public Runnable periodic(String thread, Runnable task) {
        register(thread);
        return () -> {
            try {
                task.run();
            } catch (Throwable e) {
                restarts.get(thread).incrementAndGet();
                log.atError().setMessage("thread_failed")
                        .addKeyValue("thread", thread)
                        .addKeyValue("error", e.toString())
                        .addKeyValue("action", "next_run_goes_ahead")
                        .setCause(e)
                        .log();
            }
        };
    }

    private void changed() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.atWarn().setMessage("supervisor_listener_failed").addKeyValue("error", e.toString()).log();
            }
        }
    }
}
