package dev.portlocal.bench.load;

import dev.portlocal.bench.transport.ChunkPump;
import dev.portlocal.bench.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * N parallel streams for a fixed time, in one direction: upload writes to a sink, download reads from a source.
 * Upload counts the bytes the socket accepted; download counts the bytes read.
 */
public final class BulkWorkload {

    public enum Direction {
        UPLOAD, DOWNLOAD
    }

    /** Bytes moved in the measured interval. */
    public record Result(long bytes, Window.Measured measured) {
        public double gbitPerSecond() {
            return bytes * 8 / measured.seconds() / 1e9;
        }
    }

    private final LoadGenerator generator;

    public BulkWorkload(LoadGenerator generator) {
        this.generator = requireNonNull(generator, "generator");
    }

    public Result run(InetSocketAddress target, Direction direction, int streams, Window window)
            throws IOException, InterruptedException {
        LoadGenerator.checkTarget(target);
        if (streams < 1) {
            throw new IllegalArgumentException("streams: " + streams + " (expected: >= 1)");
        }
        LongAdder bytes = new LongAdder();
        List<ChannelFuture> connects = new ArrayList<>(streams);
        for (int i = 0; i < streams; i++) {
            connects.add(generator.bootstrap()
                    .option(ChannelOption.TCP_NODELAY, false)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, Transport.bulkReadAllocator())
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.BULK_WATER_MARK)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(direction == Direction.UPLOAD
                                    ? new ChunkPump(generator.chunk(), bytes)
                                    : new ReadCounter(bytes));
                        }
                    })
                    .connect(target));
        }
        List<Channel> channels = connects.stream().map(ChannelFuture::channel).toList();
        try {
            LoadGenerator.awaitConnected(connects, target);
            long[] at = new long[2];
            Window.Measured measured = window.run(() -> at[0] = bytes.sum(), () -> at[1] = bytes.sum());
            return new Result(at[1] - at[0], measured);
        } finally {
            LoadGenerator.closeAll(channels);
        }
    }

    /** Counts and drops what it reads. */
    private static final class ReadCounter extends ChannelInboundHandlerAdapter {
        private final LongAdder bytes;

        ReadCounter(LongAdder bytes) {
            this.bytes = bytes;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            bytes.add(buf.readableBytes());
            buf.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
