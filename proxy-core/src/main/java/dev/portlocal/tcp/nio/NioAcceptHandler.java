package dev.portlocal.tcp.nio;

import dev.portlocal.tcp.relay.AccessLog;
import dev.portlocal.tcp.relay.ConnectionPolicy;
import dev.portlocal.tcp.relay.ConnectionTracker;
import dev.portlocal.tcp.relay.RelayConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The child handler of a NIO listener: on activation, checks the client against the mapping's {@code allowFrom}
 * and {@code maxConnections} (outside or past it: an RST at once, before any connect), then builds the relay and
 * connects to the current target, with the current PROXY protocol version and timeouts.
 */
public final class NioAcceptHandler extends ChannelInboundHandlerAdapter {

    private final ConnectionTracker tracker;
    private final RelayConfig config;
    private final AccessLog accessLog;

    public NioAcceptHandler(ConnectionTracker tracker, RelayConfig config, AccessLog accessLog) {
        this.tracker = tracker;
        this.config = config;
        this.accessLog = accessLog;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        ConnectionPolicy policy = tracker.policy();
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress(); // NIO built it at the accept already
        String refusal = remote != null && policy.allows(remote.getAddress()) ? tracker.admit(policy)
                : ConnectionPolicy.NOT_ALLOWED;
        boolean logged = policy.accessLog() && accessLog.enabled();
        if (refusal != null) {
            tracker.refused(refusal);
            if (logged) {
                accessLog.refused(policy.mapping(), remote, refusal);
            }
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
            return;
        }
        NioRelay relay = new NioRelay(ch, tracker, logged ? accessLog : null, remote);
        ctx.pipeline().replace(this, "idle", new IdleStateHandler(0, 0,
                policy.idleTimeoutNanos(), TimeUnit.NANOSECONDS));
        ctx.pipeline().addLast("relay", new NioSideHandler(relay, true));
        relay.connect(policy, config);
    }
}
