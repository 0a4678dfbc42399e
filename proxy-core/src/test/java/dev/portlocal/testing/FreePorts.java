package dev.portlocal.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A port the kernel just handed out on loopback for port 0; tests retry if someone takes it meanwhile. */
public final class FreePorts {

    private FreePorts() {
    }

    public static int next() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A port nobody listens on: connections to it are refused. */
    public static int refused() {
        return next();
    }
}
