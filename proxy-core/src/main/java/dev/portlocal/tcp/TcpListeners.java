package dev.portlocal.tcp;

import dev.portlocal.net.EventLoops;
import dev.portlocal.net.IoTransport;
import dev.portlocal.net.ListenSockets;
import dev.portlocal.tcp.nio.NioAcceptHandler;
import dev.portlocal.tcp.relay.AccessLog;
import dev.portlocal.tcp.relay.LoopResources;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.tcp.relay.TcpKeepalive;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.Socket;
import io.netty.util.NetUtil;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds a TCP mapping's listening sockets, the one place TCP differs by transport. On epoll: one socket per event
 * loop and listen address with {@code SO_REUSEPORT}, after a probe without it, each an {@link EpollListener} that
 * hands accepted sockets to the epoll relay. On NIO: one Netty server channel per address, relaying with the NIO
 * relay.
 *
 * <p>A mapping whose endpoint cannot answer (not ready, or failing its health check) does not listen but holds its
 * port: {@link #hold} binds one socket per address that never listens, so a connect is refused (the kernel answers
 * the SYN with a reset, as it would for the endpoint itself) while no other socket can bind the port. On epoll the
 * hold sets {@code SO_REUSEPORT} and not {@code SO_REUSEADDR}: the mapping's own listeners (same user, same option)
 * can bind beside it, so serving resumes before the hold is let go and the port is never free; any other bind
 * fails. On NIO the same holds: the server channels set {@code SO_REUSEPORT} too, after a probe without it.
 *
 * <p>Threading: {@link #bind} and {@link #hold} are called from the control thread and block until done.
 */
abstract class TcpListeners {

    /** The binder for the loops' transport, chosen once when the TCP plane is built. */
    static TcpListeners forTransport(EventLoops loops, List<LoopResources> resources, RelayConfig relay,
                                     AccessLog accessLog) {
        return loops.transport() == IoTransport.EPOLL ? new Epoll(resources, relay)
                : new Nio(loops, relay, accessLog);
    }

    /**
     * Binds every listener of {@code mapping} on {@code addresses} and starts accepting; returns one closer per
     * listener. With {@code probe}, first checks that no socket of another kind shares the port (a hold of the
     * mapping's own is such a socket, so a resume does not probe). On failure, closes what it bound before it throws.
     */
    abstract List<AutoCloseable> bind(TcpMapping mapping, List<InetAddress> addresses, boolean probe)
            throws Exception;

    /**
     * Holds {@code port} on every one of {@code addresses} without listening; returns one closer per address. With
     * {@code probe}, first checks the port as {@link #bind} does. On failure, closes what it bound before it throws.
     */
    abstract List<AutoCloseable> hold(int port, List<InetAddress> addresses, boolean probe) throws Exception;

    /** Binds one socket on one address; closes it itself if it fails. */
    @FunctionalInterface
    private interface BindOne {
        AutoCloseable bind(InetAddress address) throws Exception;
    }

    /** One socket per address, all or none: if one fails, those bound already are closed before it throws. */
    private static List<AutoCloseable> eachAddress(List<InetAddress> addresses, BindOne bindOne) throws Exception {
        List<AutoCloseable> closers = new ArrayList<>();
        try {
            for (InetAddress address : addresses) {
                closers.add(bindOne.bind(address));
            }
        } catch (Exception e) {
            TcpPlane.closeAll(closers);
            throw e;
        }
        return closers;
    }

    private static final class Epoll extends TcpListeners {

        private final List<LoopResources> resources;
        private final RelayConfig relay;

        Epoll(List<LoopResources> resources, RelayConfig relay) {
            this.resources = resources;
            this.relay = relay;
        }

        @Override
        List<AutoCloseable> bind(TcpMapping mapping, List<InetAddress> addresses, boolean probe) throws Exception {
            int port = mapping.nodePort();
            if (probe) {
                probe(addresses, port);
            }
            List<AutoCloseable> closers = new ArrayList<>();
            List<EpollListener> bound = new ArrayList<>();
            try {
                for (InetAddress address : addresses) {
                    for (LoopResources loop : resources) {
                        EpollListener l = new EpollListener(listen(address, port, relay), loop, mapping);
                        bound.add(l);
                        closers.add(l::closeSync);
                    }
                }
                for (EpollListener l : bound) {
                    l.startSync();
                }
            } catch (Exception e) {
                TcpPlane.closeAll(closers);
                throw e;
            }
            return closers;
        }

        @Override
        List<AutoCloseable> hold(int port, List<InetAddress> addresses, boolean probe) throws Exception {
            if (probe) {
                probe(addresses, port);
            }
            return eachAddress(addresses, address -> {
                Socket s = ListenSockets.stream(address);
                try {
                    s.setReuseAddress(false);
                    s.setReusePort(true);
                    s.bind(new InetSocketAddress(address, port));
                } catch (IOException | RuntimeException e) {
                    s.close();
                    throw e;
                }
                return s::close;
            });
        }

        private static void probe(List<InetAddress> addresses, int port) throws IOException {
            for (InetAddress address : addresses) {
                ListenSockets.probe(ListenSockets.stream(address), address, port);
            }
        }

        private static Socket listen(InetAddress address, int port, RelayConfig relay) throws IOException {
            Socket s = ListenSockets.stream(address);
            try {
                s.setReusePort(true);
                s.setTcpNoDelay(true); // inherited by every accepted socket: one setsockopt fewer per connection
                relay.keepalive().apply(s); // inherited the same way
                s.bind(new InetSocketAddress(address, port));
                s.listen(NetUtil.SOMAXCONN);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            return s;
        }
    }

    private static final class Nio extends TcpListeners {

        private final EventLoops loops;
        private final RelayConfig relay;
        private final AccessLog accessLog;

        Nio(EventLoops loops, RelayConfig relay, AccessLog accessLog) {
            this.loops = loops;
            this.relay = relay;
            this.accessLog = accessLog;
        }

        @Override
        List<AutoCloseable> bind(TcpMapping mapping, List<InetAddress> addresses, boolean probe) throws Exception {
            if (probe) {
                probe(addresses, mapping.nodePort());
            }
            return eachAddress(addresses, address -> {
                ServerBootstrap b = new ServerBootstrap()
                        .group(loops.group())
                        .channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true)
                        .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.SO_KEEPALIVE, relay.keepalive().enabled())
                        .childHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(new NioAcceptHandler(mapping, relay, accessLog));
                            }
                        });
                    if (relay.keepalive().enabled()) {
                        TcpKeepalive k = relay.keepalive();
                        b.childOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE),
                                        (int) k.idle().getSeconds())
                                .childOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                                        (int) k.interval().getSeconds())
                                .childOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), k.count());
                    }
                    Channel ch = b.bind(address, mapping.nodePort()).syncUninterruptibly().channel();
                    return () -> ch.close().syncUninterruptibly();
            });
        }

        @Override
        List<AutoCloseable> hold(int port, List<InetAddress> addresses, boolean probe) throws Exception {
            if (probe) {
                probe(addresses, port);
            }
            return eachAddress(addresses, address -> {
                SocketChannel s = SocketChannel.open(family(address));
                try {
                    s.setOption(StandardSocketOptions.SO_REUSEADDR, false);
                    s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                    s.bind(new InetSocketAddress(address, port));
                } catch (IOException | RuntimeException e) {
                    s.close();
                    throw e;
                }
                return s;
            });
        }

        /**
         * A socket bound without {@code SO_REUSEPORT} and never listening: it fails if any other socket holds the
         * port, so the server channels (which set {@code SO_REUSEPORT}) never join another process's group.
         */
        private static void probe(List<InetAddress> addresses, int port) throws IOException {
            for (InetAddress address : addresses) {
                try (SocketChannel s = SocketChannel.open(family(address))) {
                    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    s.bind(new InetSocketAddress(address, port));
                }
            }
        }

        private static StandardProtocolFamily family(InetAddress address) {
            return address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        }
    }
}
