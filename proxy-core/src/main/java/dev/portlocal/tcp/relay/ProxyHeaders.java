package dev.portlocal.tcp.relay;

import dev.portlocal.model.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * PROXY protocol headers, produced by Netty's {@link HAProxyMessageEncoder}. The epoll relay writes to raw fds and
 * has no pipeline, and the encoder's {@code encode} is protected, so each loop keeps one {@link EmbeddedChannel}
 * whose pipeline is the encoder in front of a handler that catches the encoded buffer: a header is one pipeline
 * write with the void promise, which allocates the message, its two address strings and the header's buffer
 * (pooled, from the loop's allocator) and nothing else. A loop builds the channel at its first header, so a loop
 * whose mappings never ask for one has none.
 *
 * <p>Threading: one loop's; not thread-safe.
 */
public final class ProxyHeaders {

    private final ByteBufAllocator allocator;
    private EmbeddedChannel channel;
    private ByteBuf caught;

    public ProxyHeaders(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    /**
     * The header of {@code version} for a connection from {@code source} (the client) to {@code destination} (the
     * node port's local address), both of one family: {@code TCP4}/{@code AF_INET} or {@code TCP6}/{@code AF_INET6}.
     * The caller owns (and releases) the buffer.
     */
    public ByteBuf encode(ProxyProtocol version, InetSocketAddress source, InetSocketAddress destination) {
        if (channel == null) {
            channel = new EmbeddedChannel(new Catcher(), HAProxyMessageEncoder.INSTANCE);
            channel.config().setAllocator(allocator);
        }
        channel.pipeline().write(message(version, source, destination), channel.voidPromise());
        ByteBuf out = caught;
        caught = null;
        if (out == null) {
            throw new IllegalStateException("the encoder wrote no header");
        }
        return out;
    }

    /**
     * The message for {@code version}, {@code source} and {@code destination}, for a pipeline that holds the
     * encoder (the NIO relay's); the encoder releases it.
     */
    public static HAProxyMessage message(ProxyProtocol version, InetSocketAddress source,
                                         InetSocketAddress destination) {
        boolean v6 = source.getAddress() instanceof Inet6Address;
        return new HAProxyMessage(version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY, v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4,
                NetUtil.toAddressString(source.getAddress()), NetUtil.toAddressString(destination.getAddress()),
                source.getPort(), destination.getPort());
    }

    /** Releases the channel, if a header was ever made. */
    public void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
            channel = null;
        }
    }

    /** Takes the encoder's output instead of passing it to the channel. */
    private final class Catcher extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            caught = (ByteBuf) msg;
        }
    }
}
