package dev.portlocal.tcp.nio;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/** Translates one channel's events into calls on its {@link NioRelay}. */
final class NioSideHandler extends ChannelInboundHandlerAdapter {

    private final NioRelay relay;
    private final boolean client;

    NioSideHandler(NioRelay relay, boolean client) {
        this.relay = relay;
        this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (relay.peerOf(client) == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        relay.onRead(client, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            relay.onInputShutdown(client);
        } else if (evt instanceof IdleStateEvent) {
            relay.idleTimeout();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        relay.onInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        relay.abort();
    }
}
