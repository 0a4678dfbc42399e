package dev.portlocal.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Holds N idle connections open and reports how much the target's memory grew per connection: resident (RSS) and
 * proportional (PSS) growth, measured the same way for every target, and for a JVM also the RSS growth across full
 * GCs as a separate figure. The probe is called once before connecting and once while all are held.
 *
 * <p>Plan N for the hard fd limit (20,000 per process here): a proxy spends 2 fds per connection.
 */
public final class IdleConnectionsWorkload {

    /** Connects in flight at once, so the target's accept backlog never overflows. */
    static final int CONNECT_WINDOW = 256;

    /**
     * A reading of the target's memory in KiB, -1 for what was not measured: RSS and PSS as they are, and the RSS
     * after a full GC (a JVM only).
     */
    public record MemorySample(long rssKiB, long pssKiB, long afterGcRssKiB) {
    }

    /** Reads the target's memory; {@code baseline} is true for the reading before any connection is opened. */
    @FunctionalInterface
    public interface MemoryProbe {
        MemorySample sample(boolean baseline);
    }

    /** Memory growth of the target while the connections were held. */
    public record Result(int requested, int opened, MemorySample before, MemorySample held) {
        /** KiB of RSS growth per open connection; NaN when nothing opened or the memory is unknown. */
        public double kibPerConnection() {
            return perConnection(before.rssKiB(), held.rssKiB());
        }

        /** KiB of PSS growth per open connection; NaN when not measured. */
        public double pssKibPerConnection() {
            return perConnection(before.pssKiB(), held.pssKiB());
        }

        /** KiB of RSS growth per open connection between full GCs; NaN when not measured (not a JVM). */
        public double afterGcKibPerConnection() {
            return perConnection(before.afterGcRssKiB(), held.afterGcRssKiB());
        }

        private double perConnection(long beforeKiB, long heldKiB) {
            return opened == 0 || beforeKiB < 0 || heldKiB < 0 ? Double.NaN : (double) (heldKiB - beforeKiB) / opened;
        }
    }

    private final LoadGenerator generator;

    public IdleConnectionsWorkload(LoadGenerator generator) {
        this.generator = requireNonNull(generator, "generator");
    }

    /**
     * @param settle how long to wait, once all are open, before probing (a proxy opens its backend side later)
     * @param openTimeout the bound on opening all of them
     * @param memory the memory probe; its figures are -1 when there is nothing to measure
     */
    public Result run(InetSocketAddress target, int connections, long settleMillis, long openTimeoutMillis,
            MemoryProbe memory) throws InterruptedException {
        LoadGenerator.checkTarget(target);
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
        }
        MemorySample before = memory.sample(true);
        Bootstrap bootstrap = generator.bootstrap().handler(Discard.INSTANCE);
        Semaphore window = new Semaphore(CONNECT_WINDOW);
        AtomicInteger opened = new AtomicInteger();
        ConcurrentLinkedQueue<Channel> channels = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(openTimeoutMillis);
        try {
            int started = 0;
            while (started < connections && System.nanoTime() < deadline) {
                if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                started++;
                Channel ch = bootstrap.connect(target).addListener(f -> {
                    if (f.isSuccess()) {
                        opened.incrementAndGet();
                    }
                    window.release();
                }).channel();
                channels.add(ch);
            }
            // Wait for the last connects to finish, bounded by the same deadline.
            long left = Math.max(0, deadline - System.nanoTime());
            if (window.tryAcquire(CONNECT_WINDOW, left, TimeUnit.NANOSECONDS)) {
                window.release(CONNECT_WINDOW);
            }
            Thread.sleep(settleMillis);
            MemorySample held = memory.sample(false);
            int stillOpen = (int) channels.stream().filter(Channel::isActive).count();
            return new Result(connections, Math.min(opened.get(), stillOpen), before, held);
        } finally {
            LoadGenerator.closeAll(List.copyOf(channels));
        }
    }

    /** The client never expects data on an idle connection; drop anything that comes. */
    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
