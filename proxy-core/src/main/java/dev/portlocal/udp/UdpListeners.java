package dev.portlocal.udp;

import dev.portlocal.proxy.EventLoops;
import dev.portlocal.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Binds a UDP mapping's listeners: one per loop and address with {@code SO_REUSEPORT} on epoll, one per address on NIO. */
public final class UdpListeners {

    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;

    private UdpListeners() {
    }

    /**
     * Binds every listener or none; returns how many. Throws the bind error (e.g. EADDRINUSE) after closing what
     * was bound.
     */
    public static int bind(UdpMapping mapping, EventLoops loops, List<InetAddress> addresses,
                           LongSupplier nanoClock) throws Exception {
        boolean epoll = loops.transport() == Transport.EPOLL;
        int port = mapping.nodePort();
        if (epoll) {
            // As for TCP: a probe without SO_REUSEPORT fails if anyone holds the port, so we never share it.
            for (InetAddress address : addresses) {
                Socket probe = datagramSocket(address);
                try {
                    probe.bind(new InetSocketAddress(address, port));
                } finally {
                    probe.close();
                }
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
            return new EpollDatagramChannel(datagramSocket(address).intValue());
        } catch (IOException e) {
            throw new IllegalStateException("udp socket: " + e.getMessage(), e);
        }
    }

    private static Socket datagramSocket(InetAddress address) throws IOException {
        boolean v6 = address instanceof Inet6Address;
        LinuxSocket s = LinuxSocket.newSocketDgram(v6);
        try {
            s.setReuseAddress(true);
            if (v6) {
                s.setIntOpt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
            }
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }
}
