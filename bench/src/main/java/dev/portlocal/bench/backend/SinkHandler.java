package dev.portlocal.bench.backend;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/** Reads and discards everything. Stateless and sharable. */
@ChannelHandler.Sharable
final class SinkHandler extends ChannelInboundHandlerAdapter {

    static final SinkHandler INSTANCE = new SinkHandler();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
