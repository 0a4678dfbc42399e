package dev.portlocal.api;

import dev.portlocal.model.Durations;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP/1.1 server of the mapping API, on TCP or a unix socket, on its own event loop group of one thread
 * (epoll when available, else NIO; a unix socket needs epoll). {@link ApiLimits} bound it: each whole request
 * must arrive within the request timeout ({@link RequestDeadline}), and past {@code maxConnections} open at once a
 * new connection is closed at once (logged once per episode, counted in {@link ApiCounters}). A unix socket is made
 * mode 0660 (its owner and group may connect) before the first connection is accepted.
 *
 * <p>Threading: {@link #start} and {@link #close} are called by the daemon's main thread.
 */
public final class ApiServer implements AutoCloseable {

    /** The default body limit: 1 MiB. */
    public static final int DEFAULT_MAX_BODY = 1024 * 1024;
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_SIZE = 8192;
    static final int IDLE_SECONDS = 60;
    /** rw-rw----: the daemon's user and group may connect, nobody else. */
    static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-rw----");

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final MultiThreadIoEventLoopGroup group;
    private final Channel channel;
    private final ApiAddress address;

    private ApiServer(MultiThreadIoEventLoopGroup group, Channel channel, ApiAddress address) {
        this.group = group;
        this.channel = channel;
        this.address = address;
    }

    /**
     * Binds {@code address} and serves {@code routes}, each call run on {@code control}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ApiServer start(ApiAddress address, Function<ApiRequest, ApiResponse> routes, Executor control,
                                  int maxBodyBytes) throws IOException {
        return start(address, routes, control, ApiLimits.DEFAULT.withMaxBodyBytes(maxBodyBytes), new ApiCounters());
    }

    /**
     * Binds {@code address} and serves {@code routes} within {@code limits}, counting in {@code counters}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ApiServer start(ApiAddress address, Function<ApiRequest, ApiResponse> routes, Executor control,
                                  ApiLimits limits, ApiCounters counters) throws IOException {
        return start(address, routes, control, limits, counters, Optional.empty());
    }

    /**
     * With {@code tls}, a TCP address speaks HTTPS, each new connection with the certificate {@code tls} holds then.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ApiServer start(ApiAddress address, Function<ApiRequest, ApiResponse> routes, Executor control,
                                  ApiLimits limits, ApiCounters counters, Optional<ApiTls> tls) throws IOException {
        requireNonNull(address, "address");
        requireNonNull(tls, "tls");
        Optional<ApiTls> https = address instanceof ApiAddress.Tcp ? tls : Optional.empty();
        requireNonNull(routes, "routes");
        requireNonNull(control, "control");
        requireNonNull(limits, "limits");
        requireNonNull(counters, "counters");
        int maxBodyBytes = limits.maxBodyBytes();
        ConnectionCap cap = new ConnectionCap(address, limits.maxConnections(), counters);
        boolean epoll = Epoll.isAvailable();
        if (address instanceof ApiAddress.Unix && !epoll) {
            throw new IOException("api: " + address + " needs epoll, which is unavailable here ("
                    + Epoll.unavailabilityCause() + "); use IP:PORT");
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("portlocal-api", true), io);
        Class<? extends ServerChannel> channelType = address instanceof ApiAddress.Unix
                ? EpollServerDomainSocketChannel.class
                : epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!cap.admit(ch)) {
                            return;
                        }
                        RequestDeadline deadline = new RequestDeadline(limits.requestTimeout(), counters);
                        https.ifPresent(t -> ch.pipeline().addLast(t.context().newHandler(ch.alloc())));
                        ch.pipeline().addLast(
                                new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                deadline.bytes(),
                                new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192),
                                deadline,
                                new ApiRequestAggregator(maxBodyBytes),
                                new ApiHttpHandler(routes, control));
                    }
                });
        try {
            Channel channel;
            if (address instanceof ApiAddress.Unix unix) {
                removeStaleSocket(unix.path());
                channel = bootstrap.bind(new DomainSocketAddress(unix.path().toFile())).sync().channel();
                try {
                    Files.setPosixFilePermissions(unix.path(), SOCKET_MODE);
                } catch (IOException | UnsupportedOperationException e) {
                    channel.close().syncUninterruptibly();
                    throw new IOException("cannot set mode 0660 on " + unix.path() + " (" + e + ")", e);
                }
            } else {
                channel = bootstrap.bind(((ApiAddress.Tcp) address).address()).sync().channel();
            }
            ApiAddress bound = address instanceof ApiAddress.Unix ? address
                    : new ApiAddress.Tcp((InetSocketAddress) channel.localAddress(), https.isPresent());
            log.atInfo().setMessage("api_listening")
                    .addKeyValue("address", bound)
                    .addKeyValue("transport", epoll ? "epoll" : "nio")
                    .addKeyValue("maxBodyBytes", maxBodyBytes)
                    .addKeyValue("requestTimeout", Durations.format(limits.requestTimeout()))
                    .addKeyValue("maxConnections", limits.maxConnections())
                    .log();
            return new ApiServer(group, channel, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("api: interrupted while binding " + address, e);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw new IOException("api: cannot listen on " + address + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Removes a socket file left by a daemon that died, and refuses to take over one that still answers.
     */
    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path)
                || Files.isSymbolicLink(path)) {
            throw new IOException(path + " exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("another process serves " + path);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("another process")) {
                throw e;
            }
            log.atInfo().setMessage("api_stale_socket_removed").addKeyValue("path", path).log();
            Files.delete(path);
        }
    }

    /** The bound address; with port 0 asked, the port the kernel chose. */
    public ApiAddress address() {
        return address;
    }

    /** Stops accepting and closes every connection. Idempotent. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (address instanceof ApiAddress.Unix unix) {
            try {
                Files.deleteIfExists(unix.path());
            } catch (IOException e) {
                log.atWarn().setMessage("api_socket_not_removed")
                        .addKeyValue("path", unix.path())
                        .addKeyValue("error", e.toString())
                        .log();
            }
        }
        log.atInfo().setMessage("api_stopped").addKeyValue("address", address).log();
    }
}
