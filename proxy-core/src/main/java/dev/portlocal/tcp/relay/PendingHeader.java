package dev.portlocal.tcp.relay;

import dev.portlocal.model.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The PROXY protocol header of one connection on its way to the endpoint: the client's address and port and the
 * node port's local address and port, written in one write once the endpoint has answered. If the endpoint's
 * socket takes only part of it, the rest waits for EPOLLOUT, and the {@link RelayConnection} moves no byte in
 * either direction until it is all written, so the header always comes before the client's first byte, whichever
 * conduit (copy or splice) then carries the stream.
 *
 * <p>Threading: the connection's event loop only.
 */
final class PendingHeader {

    private ByteBuf rest;

    private PendingHeader(ByteBuf header) {
        this.rest = header;
    }

    /** The header of {@code version} for the accepted {@code client}, or null if the client is gone already. */
    static PendingHeader of(LoopResources resources, ProxyProtocol version, Socket client) throws IOException {
        InetSocketAddress source = client.remoteAddress();
        InetSocketAddress destination = client.localAddress();
        if (source == null || destination == null) {
            return null;
        }
        return new PendingHeader(resources.proxyHeaders.encode(version, source, destination));
    }

    /**
     * Writes what is left to the endpoint; true once it is all written (and released). After a short write, only
     * EPOLLOUT on the endpoint's socket is watched: the client stays out of epoll until the header is done.
     */
    boolean writeTo(SocketHandle backend) throws IOException {
        ByteBuf h = rest;
        int n;
        if (h.hasMemoryAddress()) {
            n = backend.socket.sendAddress(h.memoryAddress(), h.readerIndex(), h.writerIndex());
        } else {
            ByteBuffer nio = h.internalNioBuffer(h.readerIndex(), h.readableBytes());
            n = backend.socket.send(nio, nio.position(), nio.limit());
        }
        h.skipBytes(n);
        if (h.isReadable()) {
            backend.interest(Interest.of(false, true));
            return false;
        }
        release();
        return true;
    }

    /** Frees what is left; idempotent. */
    void release() {
        if (rest != null) {
            rest.release();
            rest = null;
        }
    }
}
