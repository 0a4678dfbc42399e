package dev.portlocal.bench.runner;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/** Readiness and port checks for UDP, where nothing accepts: a listener is ready when a datagram comes back. */
final class UdpProbe {

    private static final byte[] PROBE = "portlocal-bench-probe".getBytes(StandardCharsets.US_ASCII);

    private UdpProbe() {
    }

    /**
     * Sends a probe datagram every 100 ms from one connected socket until it is echoed or {@code timeout} passes.
     *
     * @return whether the probe came back unchanged
     */
    static boolean echoes(InetSocketAddress address, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Bound to loopback for a loopback target, else to the wildcard: over veth the source is lb's address.
        InetAddress local = address.getAddress().isLoopbackAddress() ? InetAddress.getLoopbackAddress() : null;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0))) {
            socket.connect(address);
            socket.setSoTimeout(100);
            byte[] reply = new byte[PROBE.length + 1];
            while (System.nanoTime() < deadline) {
                try {
                    socket.send(new DatagramPacket(PROBE, PROBE.length));
                    DatagramPacket in = new DatagramPacket(reply, reply.length);
                    socket.receive(in);
                    if (Arrays.equals(PROBE, 0, PROBE.length, reply, 0, in.getLength())) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    // Not yet: send again.
                } catch (IOException e) {
                    // ICMP port unreachable: nothing listens yet.
                    Thread.sleep(100);
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Whether something holds the UDP port on 127.0.0.1: a socket without SO_REUSEADDR cannot bind it then. */
    static boolean inUse(int port) {
        try (DatagramSocket socket = new DatagramSocket(null)) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
