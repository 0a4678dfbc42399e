package dev.portlocal.health;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * Checks endpoints as a load balancer does ({@code check inter rise fall}): every interval a non-blocking TCP
 * connect to the target, a success if it completes within the timeout, then an immediate close with RST
 * ({@code SO_LINGER} 0, so no TIME_WAIT piles up on the node). Each check starts up; {@code fall} failures in a row
 * take it down and {@code rise} successes in a row bring it back, and only those transitions are reported, to
 * {@code listener} on {@code executor} (the daemon's control thread).
 *
 * <p>What to check comes from {@link #sync}: the mappings that hold a port and have a check. A mapping whose target
 * or check changes starts afresh, up.
 *
 * <p>Threading: one thread of its own runs every probe with one selector, started by the first {@link #sync} that
 * has a check to run (a daemon without health checks has no such thread); {@link #sync} and {@link #close} may be
 * called from any thread.
 */
public final class HealthMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    /** Hears of a transition of one mapping's check. */
    public interface Listener {
        void changed(MappingKey key, InetSocketAddress target, boolean up);
    }

    private final Executor executor;
    private final Listener listener;
    private final Selector selector;
    private final Thread thread;
    /** Guarded by {@code this}. */
    private boolean started;
    /** Guarded by {@code this}: what to check, by key; the probe thread reads it under the lock. */
    private final Map<MappingKey, Check> checks = new HashMap<>();
    /** Probe thread only. */
    private final PriorityQueue<Check> due = new PriorityQueue<>((a, b) -> Long.compare(a.nextAt, b.nextAt));
    private final AtomicLong probesOk = new AtomicLong();
    private final AtomicLong probesFailed = new AtomicLong();
    private volatile boolean closed;

    public HealthMonitor(Executor executor, Listener listener) {
        this.executor = requireNonNull(executor, "executor");
        this.listener = requireNonNull(listener, "listener");
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this::run, "portlocal-health");
        thread.setDaemon(true);
    }

    /**
     * Checks exactly the mappings among {@code statuses} that hold a port and have a health check; others stop being
     * checked. Unchanged ones keep their counts.
     */
    public synchronized void sync(Collection<MappingStatus> statuses) {
        Map<MappingKey, Check> wanted = new HashMap<>();
        for (MappingStatus status : statuses) {
            if (status.healthCheck().isPresent() && status.holdsPort()) {
                Check current = checks.get(status.key());
                if (current != null && current.target.equals(status.target())
                        && current.check.equals(status.healthCheck().get())) {
                    wanted.put(status.key(), current);
                } else {
                    wanted.put(status.key(), new Check(status.key(), status.target(), status.healthCheck().get()));
                }
            }
        }
        for (Check gone : checks.values()) {
            if (wanted.get(gone.key) != gone) {
                gone.cancelled = true;
            }
        }
        checks.clear();
        checks.putAll(wanted);
        if (!started && !wanted.isEmpty() && !closed) {
            started = true;
            thread.start();
        }
        selector.wakeup();
    }

    /** Probes that connected in time. */
    public long probesOk() {
        return probesOk.get();
    }

    /** Probes refused, failed or timed out. */
    public long probesFailed() {
        return probesFailed.get();
    }

    private void run() {
        try {
            while (!closed) {
                schedule();
                long now = System.nanoTime();
                long wait = Long.MAX_VALUE;
                Check next = due.peek();
                if (next != null) {
                    wait = next.nextAt - now;
                }
                for (SelectionKey key : selector.keys()) {
                    Check c = (Check) key.attachment();
                    wait = Math.min(wait, c.deadline - now);
                }
                long millis = wait == Long.MAX_VALUE ? 1000 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait) + 1);
                selector.select(Math.min(millis, 1000));
                now = System.nanoTime();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    finish(key, (Check) key.attachment(), now);
                }
                for (SelectionKey key : selector.keys()) {
                    Check c = (Check) key.attachment();
                    if (key.isValid() && now - c.deadline >= 0) {
                        end(key, c, false, now);
                    }
                }
                startDue(now);
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                log.atError().setMessage("health_monitor_failed").addKeyValue("error", e.toString()).setCause(e)
                        .log();
            }
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly((SocketChannel) key.channel());
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    /** Puts checks that are new since the last turn in the queue, due at once. */
    private void schedule() {
        synchronized (this) {
            for (Check c : checks.values()) {
                if (!c.queued) {
                    c.queued = true;
                    c.nextAt = System.nanoTime();
                    due.add(c);
                }
            }
        }
    }

    private void startDue(long now) {
        while (!due.isEmpty() && due.peek().nextAt - now <= 0) {
            Check c = due.poll();
            if (c.cancelled) {
                continue;
            }
            c.nextAt = now + c.check.interval().toNanos();
            if (c.inFlight) {
                due.add(c); // the previous probe is still out (its timeout is at most the interval)
                continue;
            }
            start(c, now);
            due.add(c);
        }
    }

    private void start(Check c, long now) {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            c.inFlight = true;
            c.deadline = now + c.check.timeout().toNanos();
            if (channel.connect(c.target)) {
                c.inFlight = false;
                closeQuietly(channel);
                result(c, true);
                return;
            }
            channel.register(selector, SelectionKey.OP_CONNECT, c);
        } catch (IOException e) {
            c.inFlight = false;
            closeQuietly(channel);
            result(c, false);
        }
    }

    private void finish(SelectionKey key, Check c, long now) {
        boolean ok;
        try {
            ok = ((SocketChannel) key.channel()).finishConnect();
        } catch (IOException e) {
            ok = false;
        }
        end(key, c, ok, now);
    }

    private void end(SelectionKey key, Check c, boolean ok, long now) {
        key.cancel();
        closeQuietly((SocketChannel) key.channel());
        c.inFlight = false;
        result(c, ok);
    }

    private void result(Check c, boolean ok) {
        (ok ? probesOk : probesFailed).incrementAndGet();
        if (c.cancelled) {
            return;
        }
        if (ok) {
            c.failures = 0;
            c.successes++;
            if (!c.up && c.successes >= c.check.rise()) {
                c.up = true;
                report(c, true);
            }
        } else {
            c.successes = 0;
            c.failures++;
            if (c.up && c.failures >= c.check.fall()) {
                c.up = false;
                report(c, false);
            }
        }
    }

    private void report(Check c, boolean up) {
        log.atDebug().setMessage("health_check_transition")
                .addKeyValue("endpoint", c.key.endpoint())
                .addKeyValue("target", Addresses.format(c.target))
                .addKeyValue("health", up ? "up" : "down")
                .log();
        try {
            executor.execute(() -> listener.changed(c.key, c.target, up));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping: nobody to tell
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** Stops checking and closes every probe; idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (!started) {
                try {
                    selector.close();
                } catch (IOException e) {
                    // closing
                }
                return;
            }
        }
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One mapping's check and its counts; fields other than the final ones belong to the probe thread. */
    private static final class Check {
        final MappingKey key;
        final InetSocketAddress target;
        final HealthCheck check;
        volatile boolean cancelled;
        boolean queued;
        boolean inFlight;
        boolean up = true;
        int successes;
        int failures;
        long nextAt;
        long deadline;

        Check(MappingKey key, InetSocketAddress target, HealthCheck check) {
            this.key = key;
            this.target = target;
            this.check = check;
        }
    }
}
