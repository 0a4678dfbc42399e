package dev.portlocal.net;

import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The sockets node ports listen on, TCP and UDP alike: {@code SO_REUSEADDR}, and {@code IPV6_V6ONLY} on IPv6 so an
 * IPv6 node port never takes IPv4 traffic by accident (the families are separate port spaces).
 *
 * <p>Threading: stateless.
 */
public final class ListenSockets {

    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;

    private ListenSockets() {
    }

    public static Socket stream(InetAddress address) throws IOException {
        boolean v6 = address instanceof Inet6Address;
        return configure(LinuxSocket.newSocketStream(v6), v6);
    }

    public static Socket datagram(InetAddress address) throws IOException {
        boolean v6 = address instanceof Inet6Address;
        return configure(LinuxSocket.newSocketDgram(v6), v6);
    }

    /**
     * Binds a throwaway socket without {@code SO_REUSEPORT}: it fails if anyone holds the port, so the reuseport
     * group we bind next never joins a stranger's (another process of ours with {@code SO_REUSEPORT} set could
     * otherwise share the port silently). Throws the bind error, e.g. EADDRINUSE.
     */
    public static void probe(Socket probe, InetAddress address, int port) throws IOException {
        try {
            probe.bind(new InetSocketAddress(address, port));
        } finally {
            probe.close();
        }
    }

    private static Socket configure(Socket s, boolean v6) throws IOException {
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
