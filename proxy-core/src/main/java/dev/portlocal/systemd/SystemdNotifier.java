package dev.portlocal.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Speaks sd_notify(3): each message is one datagram of {@code KEY=VALUE} lines, written to {@code $NOTIFY_SOCKET}
 * through a connected {@link EpollDomainDatagramChannel} (the JDK has no unix datagram sockets). A leading
 * {@code @} names an abstract socket, whose first byte is NUL. Without {@code $NOTIFY_SOCKET}, or without epoll,
 * every method is a no-op.
 *
 * <p>A failed send is logged once and never fails the daemon: systemd may have gone, and the proxy goes on.
 *
 * <p>Threading: any thread; each send blocks until written (at most {@link #SEND_TIMEOUT_MS}), so messages leave in
 * the order they were sent.
 */
public final class SystemdNotifier implements AutoCloseable {

    static final long SEND_TIMEOUT_MS = 2000;

    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    private final String address;
    private final MultiThreadIoEventLoopGroup group;
    private final Channel channel;
    private boolean warned;

    private SystemdNotifier(String address, MultiThreadIoEventLoopGroup group, Channel channel) {
        this.address = address;
        this.group = group;
        this.channel = channel;
    }

    /** A notifier that sends nothing. */
    public static SystemdNotifier none() {
        return new SystemdNotifier("none", null, null);
    }

    /** Connects to {@code settings.notifySocket()}, or returns {@link #none()} when there is none. */
    public static SystemdNotifier open(SystemdSettings settings) {
        if (settings.notifySocket().isEmpty()) {
            return none();
        }
        String socket = settings.notifySocket().get();
        if (!Epoll.isAvailable()) {
            log.atWarn().setMessage("sd_notify_unavailable")
                    .addKeyValue("socket", socket)
                    .addKeyValue("reason", "no epoll: " + String.valueOf(Epoll.unavailabilityCause().toString()))
                    .log();
            return none();
        }
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("portlocal-systemd", true), EpollIoHandler.newFactory());
        String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
        try {
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(EpollDomainDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new DomainSocketAddress(path))
                    .syncUninterruptibly()
                    .channel();
            log.atInfo().setMessage("sd_notify_connected").addKeyValue("socket", socket).log();
            return new SystemdNotifier(socket, group, ch);
        } catch (Exception e) { // Netty rethrows the connect's IOException (ENOENT, ECONNREFUSED) unchecked
            log.atWarn().setMessage("sd_notify_unavailable")
                    .addKeyValue("socket", socket)
                    .addKeyValue("error", e.toString())
                    .log();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            return none();
        }
    }

    /** True when connected to systemd's socket. */
    public boolean enabled() {
        return channel != null;
    }

    /** The loop the notifier writes on; null when disabled. The watchdog schedules its ticks here. */
    IoEventLoop loop() {
        return channel == null ? null : (IoEventLoop) channel.eventLoop();
    }

    /** {@code READY=1} with a status line: startup finished, or a reload did. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\n");
    }

    /** {@code RELOADING=1} with {@code MONOTONIC_USEC} (CLOCK_MONOTONIC, which {@code nanoTime} reads on Linux). */
    public void reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=" + TimeUnit.NANOSECONDS.toMicros(System.nanoTime()) + "\n");
    }

    /** {@code STOPPING=1}: shutdown began. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status) + "\n");
    }

    /** {@code STATUS=}: a one-line summary shown by {@code systemctl status}. */
    public void status(String status) {
        send("STATUS=" + oneLine(status) + "\n");
    }

    /** {@code WATCHDOG=1}. */
    public void watchdog() {
        send("WATCHDOG=1\n");
    }

    private void send(String message) {
        if (channel == null) {
            return;
        }
        ChannelFuture f = channel.writeAndFlush(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        if (channel.eventLoop().inEventLoop()) {
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    failed(done.cause());
                }
            });
            return;
        }
        if (!f.awaitUninterruptibly(SEND_TIMEOUT_MS)) {
            failed(new IllegalStateException("send timed out after " + SEND_TIMEOUT_MS + " ms"));
        } else if (!f.isSuccess()) {
            failed(f.cause());
        }
    }

    private synchronized void failed(Throwable cause) {
        if (!warned) {
            warned = true;
            log.atWarn().setMessage("sd_notify_failed")
                    .addKeyValue("socket", address)
                    .addKeyValue("error", cause.toString())
                    .addKeyValue("action", "continue")
                    .log();
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    @Override
    public void close() {
        if (group != null) {
            channel.close().awaitUninterruptibly(SEND_TIMEOUT_MS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
