package dev.portlocal.udp;

import dev.portlocal.net.EventLoops;
import dev.portlocal.net.ListenSockets;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Binds a UDP mapping's listeners: one per loop and address with {@code SO_REUSEPORT} on epoll (after a probe
 * without it, as for TCP), one per address on NIO.
 */
final class UdpListeners {

    private UdpListeners() {
    }

    /**
     * Binds every listener or none; returns how many. Throws the bind error (e.g. EADDRINUSE) after closing what
     * was bound. {@code epoll} is the plane's transport, chosen once.
     */
    static int bind(UdpMapping mapping, EventLoops loops, boolean epoll, List<InetAddress> addresses,
                    LongSupplier nanoClock) throws Exception {
        int port = mapping.nodePort();
        if (epoll) {
            for (InetAddress address : addresses) {
                ListenSockets.probe(ListenSockets.datagram(address), address, port);
            }
        }
        List<UdpListener> listeners = new ArrayList<>();
        mapping.listeners(listeners);
        try {
            for (InetAddress address : addresses) {
                List<IoEventLoop> targets = epoll ? loops.loops() : List.of(loops.loops().get(0));
                for (IoEventLoop loop : targets) {
                    UdpListener l = new UdpListener(mapping, loop, epoll, nanoClock);
                    Bootstrap b = new Bootstrap()
                            .group(loop)
                            .option(ChannelOption.RECVBUF_ALLOCATOR,
                                    new FixedRecvByteBufAllocator(UdpListener.READ_BUFFER))
                            .handler(l);
                    if (epoll) {
                        b.channelFactory(() -> newEpollChannel(address))
                                .option(EpollChannelOption.SO_REUSEPORT, true)
                                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, UdpListener.MAX_DATAGRAM);
                    } else {
                        b.channel(NioDatagramChannel.class);
                    }
                    Channel ch = b.bind(address, port).sync().channel();
                    loop.submit(() -> l.bound(ch)).sync();
                    listeners.add(l);
                    mapping.listeners(listeners);
                }
            }
        } catch (Exception e) {
            mapping.close();
            throw e;
        }
        return listeners.size();
    }

    private static EpollDatagramChannel newEpollChannel(InetAddress address) {
        try {
            return new EpollDatagramChannel(ListenSockets.datagram(address).intValue());
        } catch (IOException e) {
            throw new IllegalStateException("udp socket: " + e.getMessage(), e);
        }
    }
}
