package dev.portlocal.bench.load;

import dev.portlocal.bench.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * Datagrams to a UDP echo through N connected sockets, each its own source port and so its own proxy session, with
 * at most W datagrams in flight per socket ({@link DatagramWindow}). A datagram goes out as soon as a slot frees:
 * when its predecessor's echo arrives, or when the predecessor is declared lost after the loss timeout (never
 * retried). Latency is the round trip from the send.
 *
 * <ul>
 *   <li>Throughput: W &gt; 1; the figure is echoed datagrams per second, with the loss.</li>
 *   <li>Request/response: W = 1, a closed loop like the keep-alive workload's; the figure is the latency.</li>
 * </ul>
 */
public final class UdpEchoWorkload {

    /** Slot (int) and sequence number (long) at the start of every datagram. */
    public static final int HEADER_BYTES = 12;

    /** The shape of a run: sockets, datagrams in flight per socket, payload size and the loss timeout. */
    public record Shape(int sockets, int window, int payloadBytes, Duration lossTimeout) {
        public Shape {
            requireNonNull(lossTimeout, "lossTimeout");
            if (sockets < 1 || sockets > 5_000) {
                throw new IllegalArgumentException("sockets: " + sockets + " (expected: 1-5000)");
            }
            if (window < 1 || window > 1_024) {
                throw new IllegalArgumentException("window: " + window + " (expected: 1-1024)");
            }
            if (payloadBytes < HEADER_BYTES || payloadBytes > Transport.MAX_DATAGRAM) {
                throw new IllegalArgumentException("payloadBytes: " + payloadBytes + " (expected: "
                        + HEADER_BYTES + "-" + Transport.MAX_DATAGRAM + ")");
            }
            if (lossTimeout.compareTo(Duration.ofMillis(10)) < 0 || lossTimeout.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("lossTimeout: " + lossTimeout + " (expected: 10 ms-10 s)");
            }
        }
    }

    /** Zeros that pad every datagram to its size; shared, read-only, never released. */
    private static final ByteBuf PADDING = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(Transport.MAX_DATAGRAM).writeZero(Transport.MAX_DATAGRAM)).asReadOnly();

    private final LoadGenerator generator;

    public UdpEchoWorkload(LoadGenerator generator) {
        this.generator = requireNonNull(generator, "generator");
    }

    public UdpResult run(InetSocketAddress target, Shape shape, Window window)
            throws IOException, InterruptedException {
        LoadGenerator.checkTarget(target);
        requireNonNull(shape, "shape");
        Counters counters = new Counters();
        List<Client> clients = new ArrayList<>(shape.sockets());
        List<ChannelFuture> connects = new ArrayList<>(shape.sockets());
        for (int i = 0; i < shape.sockets(); i++) {
            Client client = new Client(shape, counters);
            clients.add(client);
            connects.add(generator.datagramBootstrap().handler(client).connect(target));
        }
        List<Channel> channels = connects.stream().map(ChannelFuture::channel).toList();
        try {
            LoadGenerator.awaitConnected(connects, target);
            long[] at = new long[8];
            Window.Measured measured = window.run(() -> {
                counters.recording.reset();
                counters.snapshot(at, 0);
            }, () -> counters.snapshot(at, 4));
            for (Client client : clients) {
                client.stopped = true;
            }
            return new UdpResult(at[4] - at[0], at[5] - at[1], at[6] - at[2], at[7] - at[3],
                    counters.recording.interval(), measured);
        } finally {
            for (Client client : clients) {
                client.stopped = true;
            }
            LoadGenerator.closeAll(channels);
        }
    }

    /** Shared by every socket of a run: updated from the event loops, read by the harness thread. */
    private static final class Counters {
        final LatencyRecording recording = new LatencyRecording();
        final LongAdder echoed = new LongAdder();
        final LongAdder lost = new LongAdder();
        final LongAdder late = new LongAdder();
        final LongAdder errors = new LongAdder();

        void snapshot(long[] into, int offset) {
            into[offset] = echoed.sum();
            into[offset + 1] = lost.sum();
            into[offset + 2] = late.sum();
            into[offset + 3] = errors.sum();
        }
    }

    /** One connected socket: fills its window, refills a slot on each echo or loss, flushes once per read burst. */
    private static final class Client extends ChannelInboundHandlerAdapter {
        private final Shape shape;
        private final Counters counters;
        private final DatagramWindow window;
        private final int[] freed;
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> sweeper;
        private boolean pendingFlush;
        /** Set by the harness thread when the measurement ends: send nothing more, count nothing more. */
        volatile boolean stopped;

        Client(Shape shape, Counters counters) {
            this.shape = shape;
            this.counters = counters;
            this.window = new DatagramWindow(shape.window(), shape.lossTimeout().toNanos());
            this.freed = new int[shape.window()];
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            // Losses are found by a sweep a quarter of the timeout apart: declared between 1 and 1.25 timeouts.
            long every = Math.max(TimeUnit.MILLISECONDS.toNanos(2), shape.lossTimeout().toNanos() / 4);
            sweeper = ctx.executor().scheduleAtFixedRate(this::sweep, every, every, TimeUnit.NANOSECONDS);
            for (int slot = 0; slot < window.slots(); slot++) {
                send(slot);
            }
            flush();
            ctx.fireChannelActive();
        }

        private void send(int slot) {
            if (stopped) {
                return;
            }
            long sequence = window.send(slot, System.nanoTime());
            ByteBuf datagram = ctx.alloc().directBuffer(shape.payloadBytes());
            datagram.writeInt(slot).writeLong(sequence).writeBytes(PADDING, 0, shape.payloadBytes() - HEADER_BYTES);
            ctx.write(datagram, ctx.voidPromise());
            pendingFlush = true;
        }

        private void flush() {
            if (pendingFlush) {
                pendingFlush = false;
                ctx.flush();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf content = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
                if (stopped) {
                    return;
                }
                if (content.readableBytes() != shape.payloadBytes()) {
                    counters.errors.increment(); // Truncated or not ours.
                    return;
                }
                int slot = content.getInt(content.readerIndex());
                long sequence = content.getLong(content.readerIndex() + 4);
                long rtt = window.echoed(slot, sequence, System.nanoTime());
                if (rtt >= 0) {
                    counters.echoed.increment();
                    counters.recording.record(rtt);
                    send(slot);
                } else if (rtt == DatagramWindow.LATE) {
                    counters.late.increment();
                } else {
                    counters.errors.increment();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flush();
        }

        private void sweep() {
            if (stopped) {
                return;
            }
            int n = window.expire(System.nanoTime(), freed);
            if (n == 0) {
                return;
            }
            counters.lost.add(n);
            for (int i = 0; i < n; i++) {
                send(freed[i]);
            }
            flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (sweeper != null) {
                sweeper.cancel(false);
            }
            if (!stopped) {
                counters.errors.increment();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // E.g. ICMP port unreachable on the connected socket: counted; the socket stays open and its window
            // slots are freed by the loss sweep.
            if (!stopped) {
                counters.errors.increment();
            }
        }
    }
}
