package dev.portlocal.tcp;

import dev.portlocal.net.EventLoops;
import dev.portlocal.net.IoTransport;
import dev.portlocal.net.ListenSockets;
import dev.portlocal.tcp.nio.NioAcceptHandler;
import dev.portlocal.tcp.relay.LoopResources;
import dev.portlocal.tcp.relay.RelayConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.Socket;
import io.netty.util.NetUtil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds a TCP mapping's listening sockets, the one place TCP differs by transport. On epoll: one socket per event
 * loop and listen address with {@code SO_REUSEPORT}, after a probe without it, each an {@link EpollListener} that
 * hands accepted sockets to the epoll relay. On NIO: one Netty server channel per address, relaying with the NIO
 * relay.
 *
 * <p>Threading: {@link #bind} is called from the control thread and blocks until every listener is bound.
 */
abstract class TcpListeners {

    /** The binder for the loops' transport, chosen once when the TCP plane is built. */
    static TcpListeners forTransport(EventLoops loops, List<LoopResources> resources, RelayConfig relay) {
        return loops.transport() == IoTransport.EPOLL ? new Epoll(resources) : new Nio(loops, relay);
    }

    /**
     * Binds every listener of {@code mapping} on {@code addresses} and starts accepting; returns one closer per
     * listener. On failure, closes what it bound before it throws.
     */
    abstract List<AutoCloseable> bind(TcpMapping mapping, List<InetAddress> addresses) throws Exception;

    private static final class Epoll extends TcpListeners {

        private final List<LoopResources> resources;

        Epoll(List<LoopResources> resources) {
            this.resources = resources;
        }

        @Override
        List<AutoCloseable> bind(TcpMapping mapping, List<InetAddress> addresses) throws Exception {
            int port = mapping.nodePort();
            for (InetAddress address : addresses) {
                ListenSockets.probe(ListenSockets.stream(address), address, port);
            }
            List<AutoCloseable> closers = new ArrayList<>();
            List<EpollListener> bound = new ArrayList<>();
            try {
                for (InetAddress address : addresses) {
                    for (LoopResources loop : resources) {
                        EpollListener l = new EpollListener(listen(address, port), loop, mapping);
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

        private static Socket listen(InetAddress address, int port) throws IOException {
            Socket s = ListenSockets.stream(address);
            try {
                s.setReusePort(true);
                s.setTcpNoDelay(true); // inherited by every accepted socket: one setsockopt fewer per connection
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

        Nio(EventLoops loops, RelayConfig relay) {
            this.loops = loops;
            this.relay = relay;
        }

        @Override
        List<AutoCloseable> bind(TcpMapping mapping, List<InetAddress> addresses) {
            List<AutoCloseable> closers = new ArrayList<>();
            try {
                for (InetAddress address : addresses) {
                    ServerBootstrap b = new ServerBootstrap()
                            .group(loops.group())
                            .channel(NioServerSocketChannel.class)
                            .option(ChannelOption.SO_REUSEADDR, true)
                            .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
                            .childOption(ChannelOption.AUTO_READ, false)
                            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                            .childOption(ChannelOption.TCP_NODELAY, true)
                            .childHandler(new ChannelInitializer<Channel>() {
                                @Override
                                protected void initChannel(Channel ch) {
                                    ch.pipeline().addLast(new NioAcceptHandler(mapping, mapping::target, relay));
                                }
                            });
                    Channel ch = b.bind(address, mapping.nodePort()).syncUninterruptibly().channel();
                    closers.add(() -> ch.close().syncUninterruptibly());
                }
            } catch (RuntimeException e) {
                TcpPlane.closeAll(closers);
                throw e;
            }
            return closers;
        }
    }
}
