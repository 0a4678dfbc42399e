package dev.portlocal.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * Request/response over C keep-alive connections, one request in flight per connection.
 *
 * <ul>
 *   <li>Closed loop (no rate): each connection sends its next request as soon as the response arrives; latency is
 *       measured from the actual send.</li>
 *   <li>Open loop (a rate): requests are due on a fixed schedule ({@link OpenLoopSchedule}); a request that is late
 *       because its connection was still waiting goes out at once, and its latency is measured from when it was
 *       due, correcting for coordinated omission as wrk2 does.</li>
 * </ul>
 */
public final class KeepAliveWorkload {

    private final LoadGenerator generator;

    public KeepAliveWorkload(LoadGenerator generator) {
        this.generator = requireNonNull(generator, "generator");
    }

    /**
     * @param ratePerSecond empty for closed loop; otherwise the total rate across all connections
     */
    public RequestResult run(InetSocketAddress target, int connections, OptionalDouble ratePerSecond, Window window)
            throws IOException, InterruptedException {
        LoadGenerator.checkTarget(target);
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
        }
        LatencyRecording recording = new LatencyRecording();
        LongAdder errors = new LongAdder();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        List<Client> clients = new ArrayList<>(connections);
        List<ChannelFuture> connects = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            OpenLoopSchedule schedule = ratePerSecond.isPresent()
                    ? OpenLoopSchedule.forConnection(start, i, connections, ratePerSecond.getAsDouble())
                    : null;
            Client client = new Client(recording, errors, schedule);
            clients.add(client);
            connects.add(generator.bootstrap().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(client);
                }
            }).connect(target));
        }
        List<Channel> channels = connects.stream().map(ChannelFuture::channel).toList();
        try {
            LoadGenerator.awaitConnected(connects, target);
            Window.Measured measured = window.run(recording::reset, () -> { });
            RequestResult result = new RequestResult(recording.interval(), measured, errors.sum());
            for (Client client : clients) {
                client.stopped = true;
            }
            return result;
        } finally {
            LoadGenerator.closeAll(channels);
        }
    }

    /** One connection: sends, waits for the response, records, sends again (now, or when due). */
    private static final class Client extends ChannelInboundHandlerAdapter {
        private final LatencyRecording recording;
        private final LongAdder errors;
        private final OpenLoopSchedule schedule;
        private final ResponseScanner scanner = new ResponseScanner();
        private final Runnable sendDue = this::sendDue;
        private ChannelHandlerContext ctx;
        /** When the next request is due (open loop). */
        private long due;
        /** When the in-flight request's latency started: its send time (closed) or due time (open). */
        private long latencyStart;
        /** Set by the harness thread when the measurement ends: send nothing more. */
        volatile boolean stopped;

        Client(LatencyRecording recording, LongAdder errors, OpenLoopSchedule schedule) {
            this.recording = recording;
            this.errors = errors;
            this.schedule = schedule;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            sendNext();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            int completed;
            try {
                completed = scanner.feed(buf);
            } finally {
                buf.release();
            }
            if (completed > 0) {
                recording.record(System.nanoTime() - latencyStart);
                sendNext();
            }
        }

        private void sendNext() {
            if (stopped) {
                return;
            }
            if (schedule == null) {
                latencyStart = System.nanoTime();
                send();
                return;
            }
            due = schedule.nextIntendedNanos();
            long wait = due - System.nanoTime();
            if (wait <= 0) {
                sendDue();
            } else {
                ctx.executor().schedule(sendDue, wait, TimeUnit.NANOSECONDS);
            }
        }

        private void sendDue() {
            if (stopped || !ctx.channel().isActive()) {
                return;
            }
            latencyStart = due;
            send();
        }

        private void send() {
            ctx.writeAndFlush(HttpRequests.KEEP_ALIVE.duplicate(), ctx.voidPromise());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!stopped) {
                errors.increment();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
