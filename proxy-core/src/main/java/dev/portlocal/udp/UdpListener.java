package dev.portlocal.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One datagram listener of a UDP mapping, on one event loop: it finds or starts the client's session and forwards
 * the datagram to the endpoint. Writes are flushed once per read burst, which lets epoll send them with sendmmsg.
 *
 * <p>Threading: event loop only, except {@link #closeSync()} and {@link #sweepSync()}.
 */
final class UdpListener extends ChannelInboundHandlerAdapter {

    /** Up to the largest IPv4 UDP payload: a datagram is never truncated. */
    static final int MAX_DATAGRAM = 65_507;
    /** Room for 8 largest datagrams per batched read (recvmmsg). */
    static final int READ_BUFFER = 8 * 65_536;

    private final UdpMapping mapping;
    private final EventLoop loop;
    private final boolean epoll;
    private final SessionTable<UdpSession> table;
    private final List<UdpSession> dirty = new ArrayList<>();
    private Channel channel;
    private ScheduledFuture<?> sweeper;
    private boolean repliesPending;

    UdpListener(UdpMapping mapping, EventLoop loop, boolean epoll, LongSupplier nanoClock) {
        this.mapping = mapping;
        this.loop = loop;
        this.epoll = epoll;
        this.table = new SessionTable<>(nanoClock);
    }

    void bound(Channel ch) {
        this.channel = ch;
        long every = mapping.config.sweepEvery().toNanos();
        sweeper = loop.scheduleAtFixedRate(this::sweep, every, every, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        InetSocketAddress client = packet.sender();
        UdpSession session = table.touch(client);
        if (session == null) {
            session = startSession(client);
            if (session == null) {
                packet.release();
                return;
            }
        }
        session.toEndpoint(packet.content().retain());
        packet.release();
        if (!session.dirty) {
            session.dirty = true;
            dirty.add(session);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (UdpSession s : dirty) {
            s.flush();
        }
        dirty.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A listener is unconnected; errors here (e.g. a transient ENOBUFS) do not end it.
    }

    private UdpSession startSession(InetSocketAddress client) {
        UdpCounters counters = mapping.counters;
        if (!mapping.allows(client.getAddress())) {
            counters.droppedNotAllowed.increment();
            return null;
        }
        int n = counters.sessions.incrementAndGet();
        if (n > mapping.maxSessions()) {
            counters.sessions.decrementAndGet();
            counters.droppedOverCap.increment();
            return null;
        }
        counters.sessionsCreated.increment();
        UdpSession session = new UdpSession(this, client, counters);
        table.put(client, session);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_BUFFER))
                .handler(new UpstreamHandler(session));
        if (epoll) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
        }
        session.connecting(b.connect(mapping.target()));
        return session;
    }

    /** Sends a reply to {@code client} from the node port; flushed at the end of the upstream's read burst. */
    void replyTo(InetSocketAddress client, ByteBuf content) {
        channel.write(UdpSession.packetTo(client, content), channel.voidPromise());
        repliesPending = true;
    }

    void flushReplies() {
        if (repliesPending) {
            repliesPending = false;
            channel.flush();
        }
    }

    void touch(InetSocketAddress client) {
        table.touch(client);
    }

    void endSession(UdpSession session) {
        table.remove(session.client, session);
        session.close();
    }

    private void sweep() {
        for (UdpSession s : table.expire(mapping.idleNanos())) {
            mapping.counters.sessionsExpired.increment();
            s.close();
        }
    }

    int sessions() {
        return table.size();
    }

    void sweepSync() {
        loop.submit(this::sweep).syncUninterruptibly();
    }

    void closeSync() {
        Runnable close = () -> {
            if (sweeper != null) {
                sweeper.cancel(false);
            }
            for (UdpSession s : table.clear()) {
                s.close();
            }
            if (channel != null) {
                channel.close();
            }
        };
        if (loop.isShuttingDown()) {
            close.run();
        } else {
            loop.submit(close).syncUninterruptibly();
            if (channel != null && !loop.inEventLoop()) {
                channel.closeFuture().syncUninterruptibly();
            }
        }
    }

    /** Replies from the endpoint, and ICMP port unreachable, on a session's upstream socket. */
    private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
        private final UdpSession session;

        UpstreamHandler(UdpSession session) {
            this.session = session;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket) {
                DatagramPacket p = (DatagramPacket) msg;
                session.toClient(p.content().retain());
                p.release();
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushReplies();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof PortUnreachableException) {
                session.portUnreachable();
            }
        }
    }
}
