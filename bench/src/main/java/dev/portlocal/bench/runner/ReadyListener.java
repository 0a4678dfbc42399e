package dev.portlocal.bench.runner;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for systemd's notify socket: a unix datagram socket at a path, handed to a child as
 * {@code NOTIFY_SOCKET}, that notes when the first {@code READY=1} arrives (the daemon sends it once its state is
 * restored and every listener is bound). This measures start to READY as systemd sees it, without polling anything.
 * A path, not an abstract socket: an abstract name belongs to one network namespace, a path is reachable from the
 * node namespace of {@code --topology netns} too.
 */
final class ReadyListener implements AutoCloseable {

    private final Path path;
    private final MultiThreadIoEventLoopGroup group;
    private final Channel channel;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile long readyNanos;

    ReadyListener(Path path) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                            String message = packet.content().toString(StandardCharsets.UTF_8);
                            if (ready.getCount() > 0 && message.lines().anyMatch("READY=1"::equals)) {
                                readyNanos = System.nanoTime();
                                ready.countDown();
                            }
                        }
                    })
                    .bind(new DomainSocketAddress(path.toString())).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("notify socket " + path + ": cannot bind: " + e.getMessage(), e);
        }
    }

    /** The path to pass as {@code NOTIFY_SOCKET}. */
    String socket() {
        return path.toString();
    }

    /** {@link System#nanoTime()} when {@code READY=1} came, if it came by now; else -1. */
    long readyNanos() {
        return ready.getCount() == 0 ? readyNanos : -1;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // A leftover socket file in /tmp: harmless, the next run deletes it before binding.
        }
    }
}
