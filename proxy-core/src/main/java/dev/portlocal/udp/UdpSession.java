package dev.portlocal.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One client of a UDP mapping: an upstream socket connected to the endpoint, so the kernel filters foreign sources
 * and reports ICMP port unreachable as an error on it. Replies go back through the listener that received the
 * client's datagrams, so they come from the node port.
 *
 * <p>Threading: the listener's event loop.
 */
final class UdpSession {

    /** Datagrams that arrive before the upstream socket is connected; past this they are dropped. */
    private static final int MAX_PENDING = 64;

    private final UdpListener listener;
    final InetSocketAddress client;
    private final UdpCounters counters;
    private Channel upstream;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private boolean closed;
    boolean dirty;

    UdpSession(UdpListener listener, InetSocketAddress client, UdpCounters counters) {
        this.listener = listener;
        this.client = client;
        this.counters = counters;
    }

    void connecting(ChannelFuture connect) {
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                close();
                return;
            }
            upstream = f.channel();
            if (closed) {
                upstream.close();
                return;
            }
            ByteBuf b;
            while ((b = pending.pollFirst()) != null) {
                upstream.write(b);
            }
            upstream.flush();
        });
    }

    /** Sends a client's datagram to the endpoint; takes ownership of {@code content}. Flushed by {@link #flush()}. */
    void toEndpoint(ByteBuf content) {
        if (closed) {
            content.release();
            return;
        }
        counters.datagramsToEndpoint.increment();
        if (upstream == null) {
            if (pending.size() >= MAX_PENDING) {
                content.release();
                return;
            }
            pending.addLast(content);
            return;
        }
        upstream.write(content, upstream.voidPromise());
    }

    void flush() {
        dirty = false;
        if (upstream != null) {
            upstream.flush();
        }
    }

    /** A reply from the endpoint: back to the client from the node port. Takes ownership of {@code content}. */
    void toClient(ByteBuf content) {
        counters.datagramsToClient.increment();
        listener.replyTo(client, content);
        listener.touch(client);
    }

    void portUnreachable() {
        counters.portUnreachable.increment();
        listener.endSession(this);
    }

    /** Ends the session: closes its socket and frees its place under the cap. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        counters.sessions.decrementAndGet();
        ByteBuf b;
        while ((b = pending.pollFirst()) != null) {
            b.release();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static DatagramPacket packetTo(InetSocketAddress recipient, ByteBuf content) {
        return new DatagramPacket(content, recipient);
    }
}
