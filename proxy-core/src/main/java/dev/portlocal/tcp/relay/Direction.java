package dev.portlocal.tcp.relay;

import dev.portlocal.tcp.conduit.BufferConduit;
import dev.portlocal.tcp.conduit.Conduit;
import dev.portlocal.tcp.pipe.PipeConduit;
import dev.portlocal.tcp.pipe.SplicePolicy;

import java.io.IOException;

/**
 * One direction of a relay: bytes from {@code src} through a conduit to {@code dst}.
 *
 * <p>The rules, from the design in {@code docs/architecture.md}:
 * <ol>
 *   <li>If the conduit holds bytes, write them to dst. If dst takes only part, wait for EPOLLOUT on dst and stop
 *       reading src.</li>
 *   <li>Fill the conduit from src only when it is empty. A fill of 0 after src hung up means end of stream.</li>
 *   <li>At end of stream, once the conduit is drained, shut down dst's output (FIN). The other direction goes on.
 *       If it has finished already, the close that follows sends the FIN ({@link #forwardFin}).</li>
 *   <li>Each event gets a budget of rounds, so one busy connection cannot starve the loop.</li>
 * </ol>
 *
 * <p>Two conduits sit beneath the one state machine: a buffer (copy) and a pipe (splice). Which one the next fill
 * uses is decided only when the current one is empty, so switching never loses or reorders a byte.
 *
 * <p>Threading: event loop only.
 */
final class Direction {

    private static final int ROUNDS = 16;
    /** {@code auto}: this many consecutive reads that fill the copy buffer make a bulk stream. */
    private static final int FULL_READS_TO_SPLICE = 3;
    /** {@code auto}: this many consecutive small spliced reads make it interactive again. */
    private static final int SMALL_READS_TO_COPY = 4;
    private static final int SMALL_READ = 16 * 1024;

    final SocketHandle src;
    final SocketHandle dst;
    private final SplicePolicy policy;
    private final BufferConduit copy;
    private final LoopResources resources;
    /** dst to src: set once by the relay ({@link #pairWith}). */
    private Direction opposite;
    /** Created on the first switch to splice, so connections that never splice never carry one. */
    private PipeConduit splice;
    private Conduit current;
    private int streak;

    /** src reported RDHUP or HUP: a fill of 0 from now on is end of stream. */
    boolean srcHungUp;
    /** src reached end of stream. */
    private boolean eof;
    /** dst's output was shut down after the last byte: this direction is done. */
    private boolean finished;
    /** The conduit holds bytes and we wait for dst to become writable. */
    private boolean waitingForDst;
    long bytes;

    Direction(SocketHandle src, SocketHandle dst, LoopResources resources) {
        this.src = src;
        this.dst = dst;
        RelayConfig config = resources.config();
        SplicePolicy p = config.splicePolicy();
        if (p == SplicePolicy.AUTO && !resources.sizedPipes()) {
            // Default 64 KiB pipes lose to copying: see "Pipes" in docs/architecture.md.
            p = SplicePolicy.NEVER;
        }
        this.policy = p;
        this.copy = new BufferConduit(resources.allocator(), resources.counters, config.bufferSize());
        this.resources = resources;
        this.current = copy;
    }

    boolean wantsRead() {
        return !eof && !waitingForDst;
    }

    boolean wantsWrite() {
        return waitingForDst;
    }

    /** True if this direction moved bytes with splice at least once. */
    boolean spliced() {
        return splice != null;
    }

    boolean finished() {
        return finished;
    }

    /**
     * Moves bytes until src would block, dst would block, or the budget is spent.
     *
     * @return true if any byte moved
     */
    boolean pump() throws IOException {
        if (finished) {
            return false;
        }
        long before = bytes;
        for (int round = 0; round < ROUNDS; round++) {
            if (!current.isEmpty()) {
                bytes += current.drain(dst.socket);
                if (!current.isEmpty()) {
                    waitingForDst = true;
                    return bytes != before;
                }
            }
            waitingForDst = false;
            if (eof) {
                forwardFin();
                return bytes != before;
            }
            Conduit c = conduitForNextFill();
            int n = c.fill(src.socket);
            learn(n);
            if (n < 0 || (n == 0 && srcHungUp)) {
                eof = true;
            } else if (n == 0) {
                return bytes != before;
            } else if (n < c.capacity() && !srcHungUp) {
                // A short read: src is drained for now. Write what we have and let level-triggered EPOLLIN wake us
                // when more arrives, which saves a read that would only say EAGAIN.
                bytes += c.drain(dst.socket);
                waitingForDst = !c.isEmpty();
                return bytes != before;
            }
        }
        // Budget spent. End of stream found in the last round must still be forwarded now: with src done there is no
        // read interest left to wake us for it.
        if (eof && current.isEmpty()) {
            forwardFin();
            return bytes != before;
        }
        // Bytes possibly still held: waiting for EPOLLOUT wakes us on the next loop turn if dst is writable, after
        // other connections have had theirs.
        waitingForDst = !current.isEmpty();
        return bytes != before;
    }

    /**
     * Forwards src's end of stream to dst and finishes this direction. With the other direction finished already
     * (dst's own FIN came and was forwarded), the relay closes dst right after this pump, and that close sends the
     * FIN after any bytes still queued, as {@code shutdown(SHUT_WR)} would: the shutdown is skipped, one syscall
     * fewer per connection that ends with both FINs. The relay calls {@code afterPump} after every pump, which
     * closes both sockets once both directions are finished.
     */
    private void forwardFin() throws IOException {
        if (opposite == null || !opposite.finished) {
            dst.socket.shutdown(false, true);
        }
        finished = true;
    }

    /** The direction from dst to src, whose end lets {@link #forwardFin} leave the FIN to the close. */
    void pairWith(Direction other) {
        this.opposite = other;
    }

    /** Chooses the conduit for a fill; called only when the current one is empty. */
    private Conduit conduitForNextFill() {
        if (policy == SplicePolicy.NEVER) {
            return copy;
        }
        boolean useSplice;
        if (policy == SplicePolicy.ALWAYS) {
            useSplice = true;
        } else if (current == copy) {
            useSplice = streak >= FULL_READS_TO_SPLICE;
        } else {
            useSplice = streak < SMALL_READS_TO_COPY;
        }
        if (useSplice && splice == null) {
            splice = new PipeConduit(resources.pipes, resources.counters);
        }
        if (useSplice && splice.ready()) {
            if (current != splice) {
                current = splice;
                streak = 0;
                splice.countSwitchToSplice();
            }
        } else if (current != copy) {
            current = copy;
            streak = 0;
            splice.countSwitchToCopy();
        } else if (useSplice) {
            streak = 0; // no pipe to be had now: try again after another bulk streak
        }
        return current;
    }

    /** {@code auto}: copy reads that fill the buffer lead to splice; small spliced reads lead back to copy. */
    private void learn(int n) {
        if (policy != SplicePolicy.AUTO || n == 0) {
            return;
        }
        if (current == copy) {
            streak = n >= copy.capacity() ? streak + 1 : 0;
        } else {
            streak = n > 0 && n < SMALL_READ ? streak + 1 : 0;
        }
    }

    void release() {
        copy.release();
        if (splice != null) {
            splice.release();
        }
    }
}
