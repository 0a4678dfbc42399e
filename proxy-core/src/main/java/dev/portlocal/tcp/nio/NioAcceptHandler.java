package dev.portlocal.tcp.nio;

import dev.portlocal.model.Mapping;
import dev.portlocal.tcp.relay.ConnectionTracker;
import dev.portlocal.tcp.relay.RelayConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The child handler of a NIO listener: on activation, builds the relay and connects to the current target, with the
 * current PROXY protocol version.
 */
public final class NioAcceptHandler extends ChannelInboundHandlerAdapter {

    private final ConnectionTracker tracker;
    private final Supplier<Mapping> mapping;
    private final RelayConfig config;

    public NioAcceptHandler(ConnectionTracker tracker, Supplier<Mapping> mapping, RelayConfig config) {
        this.tracker = tracker;
        this.mapping = mapping;
        this.config = config;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        NioRelay relay = new NioRelay(ctx.channel(), tracker);
        ctx.pipeline().replace(this, "idle", new IdleStateHandler(0, 0,
                config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        ctx.pipeline().addLast("relay", new NioSideHandler(relay, true));
        relay.connect(mapping.get(), config);
    }
}
