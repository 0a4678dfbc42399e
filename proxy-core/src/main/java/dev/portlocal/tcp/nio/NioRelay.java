package dev.portlocal.tcp.nio;

import dev.portlocal.model.Mapping;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.tcp.relay.AccessLog;
import dev.portlocal.tcp.relay.ConnectFailure;
import dev.portlocal.tcp.relay.ConnectionPolicy;
import dev.portlocal.tcp.relay.ConnectionTracker;
import dev.portlocal.tcp.relay.ProxyHeaders;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.tcp.relay.RelayedConnection;
import dev.portlocal.tcp.relay.TcpKeepalive;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import jdk.net.ExtendedSocketOptions;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One proxied connection on the NIO transport: the accepted client channel and the channel to the endpoint.
 * Reads are manual: a side reads its next chunk only after the previous one was written to the other side.
 *
 * <p>Threading: all methods run on the client channel's event loop, except {@link #forceClose()}.
 */
final class NioRelay implements RelayedConnection {

    private static final String HEADER_ENCODER = "proxy-header";

    private final Channel client;
    private final ConnectionTracker tracker;
    private Channel backend;
    private boolean clientInputDone;
    private boolean backendInputDone;
    private boolean closed;
    private long bytesUp;
    private long bytesDown;
    /** The access log when this connection is logged, else null; and what the line needs. */
    private final AccessLog accessLog;
    private final InetSocketAddress clientAddress;
    private final long startNanos = System.nanoTime();
    /** Why it ended, as the epoll relay says it: the first FIN, a reset, a timeout, a drain; null until known. */
    private String end;

    /** A connection that is not access-logged. */
    NioRelay(Channel client, ConnectionTracker tracker) {
        this(client, tracker, null, null);
    }

    NioRelay(Channel client, ConnectionTracker tracker, AccessLog accessLog, InetSocketAddress clientAddress) {
        this.client = client;
        this.tracker = tracker;
        this.accessLog = accessLog;
        this.clientAddress = clientAddress;
    }

    void connect(ConnectionPolicy policy, RelayConfig config) {
        Mapping mapping = policy.mapping();
        tracker.opened(this);
        long start = System.nanoTime();
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(policy.connectTimeoutNanos())))
                .option(ChannelOption.SO_KEEPALIVE, config.keepalive().enabled())
                .handler(new NioSideHandler(this, false));
        TcpKeepalive keepalive = config.keepalive();
        if (keepalive.enabled()) {
            b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), (int) keepalive.idle().getSeconds())
                    .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                            (int) keepalive.interval().getSeconds())
                    .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), keepalive.count());
        }
        b.connect(mapping.target()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ConnectFailure failure = ConnectFailure.of(f.cause());
                tracker.connectFailed(failure);
                endAs("connect_" + failure.label());
                abort();
                return;
            }
            tracker.connected(System.nanoTime() - start);
            attachBackend(f.channel());
            if (closed) {
                abort();
                return;
            }
            if (mapping.proxyProtocol().isPresent()) {
                writeHeader(mapping.proxyProtocol().get());
            } else {
                startReading();
            }
        });
    }

    /**
     * Writes the PROXY protocol header through Netty's encoder, in front of the endpoint's pipeline for this one
     * message; reading starts only once it is written, so no byte of the client's goes before it.
     */
    private void writeHeader(ProxyProtocol version) {
        InetSocketAddress source = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress destination = (InetSocketAddress) client.localAddress();
        if (source == null || destination == null) {
            abort(); // the client went away while we connected
            return;
        }
        backend.pipeline().addFirst(HEADER_ENCODER, HAProxyMessageEncoder.INSTANCE);
        backend.writeAndFlush(ProxyHeaders.message(version, source, destination))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        abort();
                        return;
                    }
                    backend.pipeline().remove(HEADER_ENCODER);
                    startReading();
                });
    }

    private void startReading() {
        client.read();
        backend.read();
    }

    /** The endpoint's channel, once connected. */
    void attachBackend(Channel channel) {
        this.backend = channel;
    }

    Channel peerOf(boolean fromClient) {
        return fromClient ? backend : client;
    }

    void onRead(boolean fromClient, Object msg) {
        Channel src = fromClient ? client : backend;
        Channel dst = peerOf(fromClient);
        if (msg instanceof ByteBuf buf) {
            if (fromClient) {
                bytesUp += buf.readableBytes();
            } else {
                bytesDown += buf.readableBytes();
            }
        }
        dst.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                src.read();
            } else {
                abort();
            }
        });
    }

    /** src sent FIN: after everything it sent is written, forward the FIN; close once both sides are done. */
    void onInputShutdown(boolean fromClient) {
        endAs(fromClient ? "client_fin" : "backend_fin"); // whoever's FIN came first ended the connection
        if (fromClient) {
            clientInputDone = true;
        } else {
            backendInputDone = true;
        }
        Channel dst = peerOf(fromClient);
        dst.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                abort();
                return;
            }
            ((SocketChannel) dst).shutdownOutput().addListener((ChannelFutureListener) s -> {
                if (clientInputDone && backendInputDone) {
                    finish();
                }
            });
        });
    }

    void onInactive() {
        // One side closed without the FIN dance (or after it): the other side ends too, abruptly if it had not.
        if (!(clientInputDone && backendInputDone)) {
            abort();
        } else {
            finish();
        }
    }

    /** Nothing moved either way for the idle timeout: close both sides normally. */
    void idleTimeout() {
        endAs("idle_timeout");
        finish();
    }

    @Override
    public boolean inEventLoop() {
        return client.eventLoop().inEventLoop();
    }

    /** Bytes read from the client to be written to the endpoint. */
    @Override
    public long bytesUp() {
        return bytesUp;
    }

    @Override
    public long bytesDown() {
        return bytesDown;
    }

    @Override
    public void forceClose() {
        client.eventLoop().execute(() -> {
            endAs("drain");
            abort();
        });
    }

    void abort() {
        if (closed) {
            return;
        }
        closed = true; // before closing: closing fires channelInactive, which comes back here
        reset(client);
        reset(backend);
        tracker.closed(this);
        logged("reset");
    }

    private void finish() {
        if (closed) {
            return;
        }
        closed = true;
        client.close();
        if (backend != null) {
            backend.close();
        }
        tracker.closed(this);
        logged("closed");
    }

    private void endAs(String why) {
        if (end == null) {
            end = why;
        }
    }

    /** The access log line, once, when the connection is logged; {@code otherwise} when no reason was recorded. */
    private void logged(String otherwise) {
        if (accessLog != null) {
            accessLog.ended(tracker.mapping(), clientAddress, startNanos, bytesUp, bytesDown,
                    end == null ? otherwise : end);
        }
    }

    private static void reset(Channel ch) {
        if (ch != null && ch.isOpen()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
        }
    }
}
