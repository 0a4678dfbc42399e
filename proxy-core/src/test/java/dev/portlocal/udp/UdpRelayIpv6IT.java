package dev.portlocal.udp;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The whole UDP scenario suite again, over IPv6 on ::1: IPv6 listeners, IPv6 upstream sockets. */
class UdpRelayIpv6IT extends UdpRelayIT {

    @Override
    InetAddress loopback() {
        try {
            return InetAddress.getByName("::1");
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
