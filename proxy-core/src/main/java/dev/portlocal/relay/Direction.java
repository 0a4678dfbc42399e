package dev.portlocal.relay;

import java.io.IOException;

/**
 * One direction of a relay: bytes from {@code src} through a conduit to {@code dst}.
 *
 * <p>The rules, from the design in {@code docs/architecture.md}:
 * <ol>
 *   <li>If the conduit holds bytes, write them to dst. If dst takes only part, wait for EPOLLOUT on dst and stop
 *       reading src.</li>
 *   <li>Fill the conduit from src only when it is empty. A fill of 0 after src hung up means end of stream.</li>
 *   <li>At end of stream, once the conduit is drained, shut down dst's output (FIN). The other direction goes on.</li>
 *   <li>Each event gets a budget of rounds, so one busy connection cannot starve the loop.</li>
 * </ol>
 *
 * <p>Threading: event loop only.
 */
final class Direction {

    private static final int ROUNDS = 16;

    final SocketHandle src;
    final SocketHandle dst;
    private final Conduit conduit;

    /** src reported RDHUP or HUP: a fill of 0 from now on is end of stream. */
    boolean srcHungUp;
    /** src reached end of stream. */
    private boolean eof;
    /** dst's output was shut down after the last byte: this direction is done. */
    private boolean finished;
    /** The conduit holds bytes and we wait for dst to become writable. */
    private boolean waitingForDst;
    long bytes;

    Direction(SocketHandle src, SocketHandle dst, Conduit conduit) {
        this.src = src;
        this.dst = dst;
        this.conduit = conduit;
    }

    boolean wantsRead() {
        return !eof && !waitingForDst;
    }

    boolean wantsWrite() {
        return waitingForDst;
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
            if (!conduit.isEmpty()) {
                bytes += conduit.drain(dst.socket);
                if (!conduit.isEmpty()) {
                    waitingForDst = true;
                    return bytes != before;
                }
            }
            waitingForDst = false;
            if (eof) {
                dst.socket.shutdown(false, true);
                finished = true;
                return bytes != before;
            }
            int n = conduit.fill(src.socket);
            if (n < 0 || (n == 0 && srcHungUp)) {
                eof = true;
            } else if (n == 0) {
                return bytes != before;
            } else if (n < conduit.capacity() && !srcHungUp) {
                // A short read: src is drained for now. Write what we have and let level-triggered EPOLLIN wake us
                // when more arrives, which saves a read that would only say EAGAIN.
                bytes += conduit.drain(dst.socket);
                waitingForDst = !conduit.isEmpty();
                return bytes != before;
            }
        }
        // Budget spent with bytes possibly still held: waiting for EPOLLOUT wakes us on the next loop turn if dst is
        // writable, after other connections have had theirs.
        waitingForDst = !conduit.isEmpty();
        return bytes != before;
    }

    void release() {
        conduit.release();
    }
}
