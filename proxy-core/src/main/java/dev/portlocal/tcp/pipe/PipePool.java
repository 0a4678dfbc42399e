package dev.portlocal.tcp.pipe;

import dev.portlocal.tcp.conduit.RelayCounters;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The pipes of one event loop. A direction takes a pipe only while bytes are in it and gives it back empty; a pipe
 * that still holds bytes when its connection ends is closed, never reused. The pool is bounded: past
 * {@code maxInUse} a direction copies instead.
 *
 * <p>The per-user quota ({@code fs.pipe-user-pages-soft}): past it, new pipes get one page and
 * {@code F_SETPIPE_SZ} fails with EPERM. Then the pool hands out no pipe for a while, counts it, and the relay copies;
 * a connection never fails for it.
 *
 * <p>Threading: event loop only.
 */
public final class PipePool {

    private static final Logger log = LoggerFactory.getLogger(PipePool.class);
    private static final int DEFAULT_PIPE_SIZE = 65536;
    private static final long QUOTA_BACKOFF_NANOS = 10_000_000_000L;

    private final int pipeSize;
    private final int maxInUse;
    private final int maxIdle;
    private final RelayCounters counters;
    private final ArrayDeque<Pipe> idle = new ArrayDeque<>();
    private long noPipesUntil;
    private boolean warnedQuota;
    private boolean closed;

    public PipePool(int pipeSize, int maxInUse, RelayCounters counters) {
        this.pipeSize = PipeNative.available() ? pipeSize : DEFAULT_PIPE_SIZE;
        this.maxInUse = maxInUse;
        this.maxIdle = Math.min(maxInUse, 32);
        this.counters = counters;
    }

    /** The capacity of the pipes this pool hands out. */
    int pipeSize() {
        return pipeSize;
    }

    /** An empty pipe, or null: the caller copies instead (the reason is counted). */
    Pipe acquire() {
        Pipe p = idle.pollFirst();
        if (p != null) {
            counters.pipeTaken(false);
            return p;
        }
        if (closed) {
            return null;
        }
        if (counters.pipesInUse() >= maxInUse) {
            counters.fallbackPoolExhausted();
            return null;
        }
        if (noPipesUntil != 0 && System.nanoTime() - noPipesUntil < 0) {
            counters.fallbackQuota();
            return null;
        }
        noPipesUntil = 0;
        p = create();
        if (p != null) {
            counters.pipeTaken(true);
        }
        return p;
    }

    private Pipe create() {
        FileDescriptor[] fds;
        try {
            fds = PipeNative.pipe();
        } catch (IOException e) {
            counters.fallbackPipeError();
            log.atDebug().setMessage("pipe_create_failed").addKeyValue("error", e.getMessage()).log();
            return null;
        }
        if (!PipeNative.available()) {
            return new Pipe(fds[0], fds[1], DEFAULT_PIPE_SIZE);
        }
        int size = PipeNative.setSize(fds[1], pipeSize);
        if (size < 0) {
            new Pipe(fds[0], fds[1], 0).close();
            if (-size == PipeNative.EPERM) {
                counters.fallbackQuota();
                noPipesUntil = System.nanoTime() + QUOTA_BACKOFF_NANOS;
                if (!warnedQuota) {
                    warnedQuota = true;
                    log.atWarn().setMessage("pipe_quota_reached")
                            .addKeyValue("pipeSize", pipeSize)
                            .addKeyValue("action", "copy_for_10s")
                            .addKeyValue("hint", "raise fs.pipe-user-pages-soft (see systemd/)")
                            .log();
                }
            } else {
                counters.fallbackPipeError();
            }
            return null;
        }
        return new Pipe(fds[0], fds[1], size);
    }

    /** Takes back an empty pipe. */
    void release(Pipe p) {
        counters.pipeGivenBack(false);
        if (closed || idle.size() >= maxIdle) {
            p.close();
        } else {
            idle.addFirst(p);
        }
    }

    /** Closes a pipe that still holds bytes: they belong to a connection that is gone. */
    void discard(Pipe p) {
        counters.pipeGivenBack(true);
        p.close();
    }

    /** Closes idle pipes; pipes in use are closed by their connections. */
    public void close() {
        closed = true;
        Pipe p;
        while ((p = idle.pollFirst()) != null) {
            p.close();
        }
    }
}
