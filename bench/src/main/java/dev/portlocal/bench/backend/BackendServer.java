package dev.portlocal.bench.backend;

import dev.portlocal.bench.transport.ChunkPump;
import dev.portlocal.bench.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The four loopback backends in one event loop group: a bulk sink (reads and discards), a bulk source (writes
 * until the peer closes), an HTTP/1.1 "ok" responder and a UDP echo. Ports may be 0 (tests), then ask for the bound
 * ones. The UDP echo is one socket on one of the loops.
 */
public final class BackendServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel sink;
    private final Channel source;
    private final Channel http;
    private final Channel udpEcho;

    private BackendServer(EventLoopGroup group, Channel sink, Channel source, Channel http, Channel udpEcho) {
        this.group = group;
        this.sink = sink;
        this.source = source;
        this.http = http;
        this.udpEcho = udpEcho;
    }

    /** Binds all four listeners on {@code host}, or fails and releases everything. */
    public static BackendServer start(InetAddress host, int sinkPort, int sourcePort, int httpPort, int udpEchoPort,
            int threads) throws InterruptedException {
        requireNonNull(host, "host");
        EventLoopGroup group = Transport.newGroup(threads);
        try {
            ByteBuf chunk = Transport.newChunk();
            Channel sink = bind(group, new InetSocketAddress(host, sinkPort), true, () -> SinkHandler.INSTANCE);
            Channel source = bind(group, new InetSocketAddress(host, sourcePort), true,
                    () -> new ChunkPump(chunk));
            Channel http = bind(group, new InetSocketAddress(host, httpPort), false, HttpOkHandler::new);
            Channel udpEcho = Transport.datagramOptions(new Bootstrap())
                    .group(group)
                    .channel(EpollDatagramChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(new UdpEchoHandler())
                    .bind(new InetSocketAddress(host, udpEchoPort)).sync().channel();
            return new BackendServer(group, sink, source, http, udpEcho);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static Channel bind(EventLoopGroup group, InetSocketAddress address, boolean bulk,
            Supplier<ChannelHandler> handler) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(handler.get());
                    }
                });
        if (bulk) {
            // Bulk streams leave Nagle on, as iperf3 does by default.
            bootstrap.childOption(ChannelOption.TCP_NODELAY, false)
                    .childOption(ChannelOption.RECVBUF_ALLOCATOR, Transport.bulkReadAllocator())
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.BULK_WATER_MARK);
        }
        return bootstrap.bind(address).sync().channel();
    }

    public int sinkPort() {
        return ((InetSocketAddress) sink.localAddress()).getPort();
    }

    public int sourcePort() {
        return ((InetSocketAddress) source.localAddress()).getPort();
    }

    public int httpPort() {
        return ((InetSocketAddress) http.localAddress()).getPort();
    }

    public int udpEchoPort() {
        return ((InetSocketAddress) udpEcho.localAddress()).getPort();
    }

    /** Closes the listeners and every accepted connection, waiting at most a few seconds. */
    @Override
    public void close() {
        sink.close();
        source.close();
        http.close();
        udpEcho.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
