package dev.portlocal.tcp;

import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.relay.LoopResources;
import dev.portlocal.tcp.relay.RelayedConnection;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the TCP plane's counters for a scrape. First reads what closed connections left in each mapping, then runs
 * a task on every loop that sums the bytes of the live connections it owns and reads its relay counters, waiting
 * at most the timeout for all of them. A connection that closes between those two reads is missed once, which is
 * why the metrics package holds byte totals at their last reported value.
 *
 * <p>Threading: any thread but an event loop. Never blocks longer than the timeout, even if a loop is stuck.
 */
final class LoopSampler {

    private LoopSampler() {
    }

    static TcpSnapshot sample(List<TcpMapping> tcp, List<LoopResources> loops, Duration timeout) {
        long[][] closed = new long[tcp.size()][];
        for (int i = 0; i < closed.length; i++) {
            closed[i] = new long[] {tcp.get(i).closedBytesUp.sum(), tcp.get(i).closedBytesDown.sum()};
        }
        List<Future<long[][]>> live = new ArrayList<>();
        List<Future<RelayStats>> relay = new ArrayList<>();
        for (LoopResources r : loops) {
            if (r.loop().isShuttingDown()) {
                live.add(null);
                relay.add(null);
                continue;
            }
            live.add(r.loop().submit(() -> liveBytesOnThisLoop(tcp)));
            relay.add(r.loop().submit(r::snapshot));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long[][] liveSum = new long[tcp.size()][2];
        List<RelayStats> perLoop = new ArrayList<>();
        for (int l = 0; l < loops.size(); l++) {
            long[][] bytes = await(live.get(l), deadline);
            RelayStats stats = await(relay.get(l), deadline);
            if (bytes == null || stats == null) {
                perLoop.add(null);
                continue;
            }
            perLoop.add(stats);
            for (int i = 0; i < bytes.length; i++) {
                liveSum[i][0] += bytes[i][0];
                liveSum[i][1] += bytes[i][1];
            }
        }
        List<TcpSnapshot.Entry> out = new ArrayList<>();
        for (int i = 0; i < tcp.size(); i++) {
            TcpMapping m = tcp.get(i);
            long[] errors = new long[m.connectErrors.length];
            for (int e = 0; e < errors.length; e++) {
                errors[e] = m.connectErrors[e].sum();
            }
            out.add(new TcpSnapshot.Entry(m.id, m.mapping(), m.connections().size(), m.connectionsTotal.sum(),
                    closed[i][0] + liveSum[i][0], closed[i][1] + liveSum[i][1], errors, m.connectLatency.counts(),
                    m.connectLatency.sumSeconds(), m.refusedNotAllowed.sum(), m.refusedOverLimit.sum()));
        }
        return new TcpSnapshot(out, perLoop);
    }

    /** On a loop: the bytes of the live connections this loop owns, per mapping of {@code tcp}. */
    private static long[][] liveBytesOnThisLoop(List<TcpMapping> tcp) {
        long[][] out = new long[tcp.size()][2];
        for (int i = 0; i < out.length; i++) {
            for (RelayedConnection c : tcp.get(i).connections()) {
                if (c.inEventLoop()) {
                    out[i][0] += c.bytesUp();
                    out[i][1] += c.bytesDown();
                }
            }
        }
        return out;
    }

    private static <T> T await(Future<T> f, long deadlineNanos) {
        if (f == null) {
            return null;
        }
        long left = deadlineNanos - System.nanoTime();
        try {
            if (left <= 0 ? !f.isDone() : !f.await(left, TimeUnit.NANOSECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return f.isSuccess() ? f.getNow() : null;
    }
}
