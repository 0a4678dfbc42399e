package dev.portlocal.bench.load;

import dev.portlocal.bench.transport.AllowedAddresses;
import dev.portlocal.bench.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the harness: one group of epoll event loops shared by every workload, and the bootstraps they
 * connect with (TCP and UDP). Only loopback targets and the netns topology's are accepted.
 */
public final class LoadGenerator implements AutoCloseable {

    /** How long a workload waits for its connections to open, or to close at the end. */
    static final long CONNECT_TIMEOUT_MILLIS = 5_000;

    private final EventLoopGroup group;
    private final ByteBuf chunk = Transport.newChunk();

    public LoadGenerator(int threads) {
        this.group = Transport.newGroup(threads);
    }

    /** A bootstrap on the generator's loops with TCP_NODELAY; the caller sets the handler. */
    Bootstrap bootstrap() {
        return new Bootstrap()
                .group(group)
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT_MILLIS);
    }

    /** A bootstrap for connected UDP sockets on the generator's loops, batched reads; the caller sets the handler. */
    Bootstrap datagramBootstrap() {
        return Transport.datagramOptions(new Bootstrap())
                .group(group)
                .channel(EpollDatagramChannel.class);
    }

    ByteBuf chunk() {
        return chunk;
    }

    /**
     * Rejects anything but loopback and the netns topology's 198.18.0.0/15: the harness never sends traffic off the
     * machine.
     */
    static InetSocketAddress checkTarget(InetSocketAddress target) {
        if (target.isUnresolved() || !AllowedAddresses.allowed(target.getAddress())) {
            throw new IllegalArgumentException("target: " + target + " (expected: " + AllowedAddresses.EXPECTED
                    + ")");
        }
        return target;
    }

    /** Waits for every connect, bounded; closes the ones that did open if any failed. */
    static void awaitConnected(List<ChannelFuture> connects, InetSocketAddress target) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MILLIS + 1_000);
        Throwable failure = null;
        for (ChannelFuture f : connects) {
            long left = deadline - System.nanoTime();
            if (!f.awaitUninterruptibly(Math.max(0, left), TimeUnit.NANOSECONDS) || !f.isSuccess()) {
                failure = f.cause() != null ? f.cause() : new IOException("connect timed out");
                break;
            }
        }
        if (failure != null) {
            closeAll(connects.stream().map(ChannelFuture::channel).toList());
            throw new IOException("connect to " + target + " failed: " + failure, failure);
        }
    }

    /** Closes the channels and waits, bounded, until they are closed. */
    static void closeAll(List<Channel> channels) {
        for (Channel ch : channels) {
            ch.close();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MILLIS);
        for (Channel ch : channels) {
            long left = deadline - System.nanoTime();
            ch.closeFuture().awaitUninterruptibly(Math.max(0, left), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
