package dev.portlocal.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * Writes the same chunk over and over while the channel is writable, from activation until the channel closes, and
 * counts the bytes the socket accepted. Anything read is discarded. Not sharable: one per channel.
 */
public final class ChunkPump extends ChannelInboundHandlerAdapter {

    private final ByteBuf chunk;
    private final int chunkSize;
    /** Null when nothing is counted. */
    private final LongAdder bytesWritten;
    private final ChannelFutureListener onWritten = this::countIfWritten;

    /**
     * A pump that counts what the socket accepted into {@code bytesWritten}. {@code chunk} is shared and never
     * released: see {@link Transport#newChunk()}.
     */
    public ChunkPump(ByteBuf chunk, LongAdder bytesWritten) {
        this.chunk = requireNonNull(chunk, "chunk");
        this.chunkSize = chunk.readableBytes();
        this.bytesWritten = requireNonNull(bytesWritten, "bytesWritten");
    }

    /** A pump that counts nothing, for the bulk source: it writes with void promises, no listener per chunk. */
    public ChunkPump(ByteBuf chunk) {
        this.chunk = requireNonNull(chunk, "chunk");
        this.chunkSize = chunk.readableBytes();
        this.bytesWritten = null;
    }

    private void countIfWritten(ChannelFuture future) {
        if (future.isSuccess()) {
            bytesWritten.add(chunkSize);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        pump(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pump(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void pump(Channel channel) {
        if (!channel.isActive()) {
            return;
        }
        boolean wrote = false;
        while (channel.isWritable()) {
            if (bytesWritten != null) {
                channel.write(chunk.duplicate()).addListener(onWritten);
            } else {
                channel.write(chunk.duplicate(), channel.voidPromise());
            }
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }
}
