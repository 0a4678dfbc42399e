package dev.portlocal.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * A new connection per request, as wrk with {@code Connection: close}: C slots, each connecting, sending one request,
 * reading the response and closing, then starting over. Latency runs from the connect call to the end of the
 * response; throughput is connections per second. A failed connect is counted and retried after 10 ms.
 */
public final class ConnectionPerRequestWorkload {

    private static final long RETRY_DELAY_MILLIS = 10;

    private final LoadGenerator generator;

    public ConnectionPerRequestWorkload(LoadGenerator generator) {
        this.generator = requireNonNull(generator, "generator");
    }

    public RequestResult run(InetSocketAddress target, int concurrency, Window window) throws InterruptedException {
        LoadGenerator.checkTarget(target);
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
        }
        Run run = new Run(generator.bootstrap(), target, concurrency);
        for (int i = 0; i < concurrency; i++) {
            run.startCycle();
        }
        Window.Measured measured;
        try {
            measured = window.run(run.recording::reset, () -> { });
        } finally {
            run.stopped = true;
        }
        RequestResult result = new RequestResult(run.recording.interval(), measured, run.errors.sum());
        // A slot ends when its connection does; wait for them, bounded, then close any connection still waiting
        // for a response, so none outlives the workload.
        run.idle.await(LoadGenerator.CONNECT_TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
        LoadGenerator.closeAll(List.copyOf(run.open));
        return result;
    }

    /** The shared state of one run; each cycle runs on the event loop its channel was registered with. */
    private static final class Run {
        final Bootstrap bootstrap;
        final InetSocketAddress target;
        final LatencyRecording recording = new LatencyRecording();
        final LongAdder errors = new LongAdder();
        final CountDownLatch idle;
        /** Connections opened and not closed yet. */
        final Set<Channel> open = ConcurrentHashMap.newKeySet();
        volatile boolean stopped;

        Run(Bootstrap bootstrap, InetSocketAddress target, int concurrency) {
            this.bootstrap = bootstrap;
            this.target = target;
            this.idle = new CountDownLatch(concurrency);
        }

        void startCycle() {
            if (stopped) {
                idle.countDown();
                return;
            }
            long start = System.nanoTime();
            Cycle cycle = new Cycle(this, start);
            ChannelFuture connect = bootstrap.clone().handler(cycle).connect(target);
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    errors.increment();
                    EventLoop loop = connect.channel().eventLoop();
                    if (loop.isShuttingDown()) {
                        idle.countDown();
                    } else {
                        loop.schedule(this::startCycle, RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                    }
                } else {
                    open.add(connect.channel());
                    connect.channel().closeFuture().addListener(c -> {
                        open.remove(connect.channel());
                        startCycle();
                    });
                }
            });
        }
    }

    /** One connection: one request, one response, close. */
    private static final class Cycle extends ChannelInboundHandlerAdapter {
        private final Run run;
        private final long start;
        private final ResponseScanner scanner = new ResponseScanner();
        private boolean answered;

        Cycle(Run run, long start) {
            this.run = run;
            this.start = start;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(HttpRequests.CLOSE.duplicate(), ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (!answered && scanner.feed(buf) > 0) {
                    answered = true;
                    run.recording.record(System.nanoTime() - start);
                    ctx.close();
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!answered) {
                run.errors.increment();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
