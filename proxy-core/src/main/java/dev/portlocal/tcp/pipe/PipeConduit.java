package dev.portlocal.tcp.pipe;

import dev.portlocal.tcp.conduit.Conduit;
import dev.portlocal.tcp.conduit.RelayCounters;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Socket;

import java.io.IOException;

/**
 * The splice conduit: socket → pipe → socket inside the kernel; the bytes never enter the JVM. It holds a pipe from
 * the loop's {@link PipePool} only while bytes are in it.
 *
 * <p>{@code splice} returns 0 both for "would block" and for end of stream. The relay fills a conduit only when it
 * is empty, so a 0 after the source hung up is end of stream, and a 0 before is "would block".
 *
 * <p>Threading: event loop only.
 */
public final class PipeConduit implements Conduit {

    private final PipePool pool;
    private final RelayCounters counters;
    private Pipe pipe;
    private int held;

    public PipeConduit(PipePool pool, RelayCounters counters) {
        this.pool = pool;
        this.counters = counters;
    }

    /** Takes a pipe if it has none; false if none can be had now, and the direction should copy. */
    public boolean ready() {
        if (pipe == null) {
            pipe = pool.acquire();
        }
        return pipe != null;
    }

    @Override
    public boolean isEmpty() {
        return held == 0;
    }

    @Override
    public int capacity() {
        return pipe != null ? pipe.capacity : pool.pipeSize();
    }

    @Override
    public int fill(Socket src) throws IOException {
        int n = Native.splice(src.intValue(), -1, pipe.writeEnd.intValue(), -1, pipe.capacity);
        if (n > 0) {
            held = n;
        } else {
            giveBack();
        }
        return n;
    }

    @Override
    public int drain(Socket dst) throws IOException {
        int n = Native.splice(pipe.readEnd.intValue(), -1, dst.intValue(), -1, held);
        held -= n;
        counters.spliced(n);
        if (held == 0) {
            giveBack();
        }
        return n;
    }

    public void countSwitchToSplice() {
        counters.switchedToSplice();
    }

    public void countSwitchToCopy() {
        counters.switchedToCopy();
    }

    private void giveBack() {
        if (pipe != null) {
            Pipe p = pipe;
            pipe = null;
            pool.release(p);
        }
    }

    @Override
    public void release() {
        if (pipe != null) {
            Pipe p = pipe;
            pipe = null;
            if (held > 0) {
                pool.discard(p);
            } else {
                pool.release(p);
            }
            held = 0;
        }
    }
}
