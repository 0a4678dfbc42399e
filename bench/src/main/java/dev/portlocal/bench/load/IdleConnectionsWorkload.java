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
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Holds N idle connections open and reports how much the target's memory grew per connection. The probe is called
 * once before connecting and once while all are held; for a JVM it should run a full GC first.
 *
 * <p>Plan N for the hard fd limit (20,000 per process here): a proxy spends 2 fds per connection.
 */
public final class IdleConnectionsWorkload {

    /** Connects in flight at once, so the target's accept backlog never overflows. */
    static final int CONNECT_WINDOW = 256;

    /** Memory growth of the target while the connections were held. */
    public record Result(int requested, int opened, long rssBeforeKiB, long rssHeldKiB) {
        /** KiB of growth per open connection; NaN when nothing opened or the memory is unknown. */
        public double kibPerConnection() {
            return opened == 0 || rssBeforeKiB < 0 || rssHeldKiB < 0
                    ? Double.NaN
                    : (double) (rssHeldKiB - rssBeforeKiB) / opened;
        }
    }

    private final LoadGenerator generator;

    public IdleConnectionsWorkload(LoadGenerator generator) {
        this.generator = requireNonNull(generator, "generator");
    }

    /**
     * @param settle how long to wait, once all are open, before probing (a proxy opens its backend side later)
     * @param openTimeout the bound on opening all of them
     * @param rssKiB the memory probe; returns -1 when there is nothing to measure
     */
    public Result run(InetSocketAddress target, int connections, long settleMillis, long openTimeoutMillis,
            LongSupplier rssKiB) throws InterruptedException {
        LoadGenerator.checkTarget(target);
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
        }
        long before = rssKiB.getAsLong();
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
            long held = rssKiB.getAsLong();
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
