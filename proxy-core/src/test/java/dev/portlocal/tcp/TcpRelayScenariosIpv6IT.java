package dev.portlocal.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The whole TCP scenario suite again, over IPv6 on ::1: IPv6 listeners, IPv6 endpoint sockets. */
class TcpRelayScenariosIpv6IT extends TcpRelayScenariosIT {

    @Override
    InetAddress loopback() {
        try {
            return InetAddress.getByName("::1");
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
