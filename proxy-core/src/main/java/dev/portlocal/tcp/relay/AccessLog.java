package dev.portlocal.tcp.relay;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Mapping;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log: one line per relayed TCP connection when it ends ({@code event=access}, logger {@code access}),
 * with the client's address, the node port, the endpoint, the duration, the bytes each way, the relay mode used
 * and why it ended.
 *
 * <p>The event loops never format or write a line. A loop hands a small record to a bounded lock-free queue (one
 * {@code offer}, no lock, no syscall) and goes on; one writer thread drains the queue into the log. If the writer
 * falls behind and the queue is full, the record is dropped and counted ({@link #dropped()}); a connection is
 * never delayed for its line. The writer polls every few milliseconds instead of being woken, so a loop never pays
 * for a wake-up either.
 *
 * <p>Threading: {@link #offer} from any event loop; the rest from the control thread.
 */
public final class AccessLog implements AutoCloseable {

    /** Records the queue holds before it drops. */
    public static final int CAPACITY = 16_384;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final Logger log = LoggerFactory.getLogger("access");

    /** One ended connection. {@code client} is null if its address could not be read. */
    record Entry(Mapping mapping, InetSocketAddress client, long durationNanos, long bytesUp, long bytesDown,
                 boolean spliced, String end) {
    }

    private volatile MpscArrayQueue<Entry> queue;
    private Thread writer;
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean running = true;

    private AccessLog() {
    }

    /**
     * An access log that starts its writer when a mapping first wants it ({@link #ensureStarted}): a port's own
     * {@code accessLog: true} turns it on although the daemon's is off.
     */
    public static AccessLog onDemand() {
        return new AccessLog();
    }

    /** Starts the writer thread. */
    public static AccessLog start() {
        AccessLog log = new AccessLog();
        log.ensureStarted();
        return log;
    }

    /**
     * Starts the writer unless it runs already. Called on the control thread before a mapping that logs is
     * published to the loops, so a loop that logs always finds the queue.
     */
    public synchronized void ensureStarted() {
        if (queue != null || !running) {
            return;
        }
        queue = new MpscArrayQueue<>(CAPACITY);
        writer = new Thread(this::drain, "portlocal-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** True once the writer runs. */
    public boolean enabled() {
        return queue != null;
    }

    /** One connection ended, {@code end} saying why (null: it closed normally, no reason recorded). */
    void ended(ConnectionTracker tracker, InetSocketAddress client, long startNanos, Direction up, Direction down,
               String end) {
        offer(new Entry(tracker.mapping(), client, System.nanoTime() - startNanos, up.bytes, down.bytes,
                up.spliced() || down.spliced(), end == null ? "closed" : end));
    }

    /**
     * One connection of the NIO relay ended, which counts its own bytes and never splices ({@code end}: why).
     * Event loop; never blocks.
     */
    public void ended(Mapping mapping, InetSocketAddress client, long startNanos, long bytesUp, long bytesDown,
                      String end) {
        offer(new Entry(mapping, client, System.nanoTime() - startNanos, bytesUp, bytesDown, false, end));
    }

    /**
     * A connection refused at the accept ({@code reason}: {@link ConnectionPolicy#NOT_ALLOWED} or
     * {@link ConnectionPolicy#OVER_LIMIT}); no bytes moved. Event loop; never blocks.
     */
    public void refused(Mapping mapping, InetSocketAddress client, String reason) {
        offer(new Entry(mapping, client, 0, 0, 0, false, reason));
    }

    /** Hands an ended connection to the writer; drops it (counted) if the queue is full. Never blocks. */
    void offer(Entry entry) {
        MpscArrayQueue<Entry> q = queue;
        if (q == null || !q.offer(entry)) {
            dropped.increment();
        }
    }

    /** Lines written since the start. */
    public long written() {
        return written.sum();
    }

    /** Lines dropped because the writer fell behind. */
    public long dropped() {
        return dropped.sum();
    }

    private void drain() {
        while (running) {
            if (writeAll() == 0) {
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
        writeAll();
    }

    private int writeAll() {
        int n = 0;
        Entry e;
        MpscArrayQueue<Entry> q = queue;
        while ((e = q.relaxedPoll()) != null) {
            write(e);
            n++;
        }
        return n;
    }

    private void write(Entry e) {
        Mapping m = e.mapping();
        log.atInfo().setMessage("access")
                .addKeyValue("client", e.client() == null ? "unknown" : Addresses.format(e.client()))
                .addKeyValue("nodePort", m == null ? 0 : m.nodePort())
                .addKeyValue("endpoint", m == null ? "" : m.key().endpoint())
                .addKeyValue("port", m == null ? 0 : m.key().port())
                .addKeyValue("target", m == null ? "" : Addresses.format(m.target()))
                .addKeyValue("durationMs", Math.round(e.durationNanos() / 1000.0) / 1000.0)
                .addKeyValue("bytesUp", e.bytesUp())
                .addKeyValue("bytesDown", e.bytesDown())
                .addKeyValue("mode", e.spliced() ? "splice" : "copy")
                .addKeyValue("end", e.end())
                .log();
        written.increment();
    }

    /** Stops the writer after it has written what is queued. */
    @Override
    public void close() {
        Thread writer;
        synchronized (this) {
            running = false;
            writer = this.writer;
        }
        if (writer == null) {
            return;
        }
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
