package dev.portlocal.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Stands in for systemd's notify socket: a real unix datagram socket owned by the test, bound to a path or to an
 * abstract name, that records each datagram as one message.
 */
public final class NotifySocket implements AutoCloseable {

    private final MultiThreadIoEventLoopGroup group;
    private final Channel channel;
    private final String notifySocket;
    private final Path path;
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

    private NotifySocket(String notifySocket, String bindName, Path path) throws InterruptedException {
        this.notifySocket = notifySocket;
        this.path = path;
        this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            this.channel = new Bootstrap()
                    .group(group)
                    .channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                            ByteBuf content = packet.content();
                            messages.add(content.toString(StandardCharsets.UTF_8));
                        }
                    })
                    .bind(new DomainSocketAddress(bindName))
                    .sync()
                    .channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** An abstract socket with a random name: {@code $NOTIFY_SOCKET} is {@code @name}. */
    public static NotifySocket abstractName() throws InterruptedException {
        String name = "portlocal-test-" + ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
        return new NotifySocket("@" + name, "\0" + name, null);
    }

    /** A socket file in {@code dir}. */
    public static NotifySocket path(Path dir) throws InterruptedException {
        Path p = dir.resolve("notify.sock");
        return new NotifySocket(p.toString(), p.toString(), p);
    }

    /** The value for {@code $NOTIFY_SOCKET}. */
    public String notifySocket() {
        return notifySocket;
    }

    /** The next message, or fails after {@code timeout}. */
    public String next(Duration timeout) throws InterruptedException {
        String m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no sd_notify message within " + timeout);
        }
        return m;
    }

    /** Skips messages until one matches; returns it, with every message seen in between, or fails. */
    public String await(Predicate<String> wanted, Duration timeout, List<String> seen) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no matching sd_notify message within " + timeout + "; seen: " + seen);
            }
            seen.add(m);
            if (wanted.test(m)) {
                return m;
            }
        }
    }

    /** Every message received so far and not yet taken. */
    public List<String> drain() {
        List<String> out = new ArrayList<>();
        messages.drainTo(out);
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (path != null) {
            Files.deleteIfExists(path);
        }
    }
}
