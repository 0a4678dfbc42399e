package dev.portlocal.udp;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.Protocol;
import dev.portlocal.net.EventLoops;
import dev.portlocal.net.IoTransport;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.proxy.DataPlaneConfig;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.RecordingLeakDetector;
import dev.portlocal.testing.TransportMode;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The UDP scenarios, written once and run for each transport (epoll and NIO), the way the TCP suite runs for each
 * relay mode; {@link UdpRelayIpv6IT} runs them again on ::1. Real sockets on loopback, a virtual clock for expiry.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpRelayIT {

    /** The loopback address of the family under test; {@link UdpRelayIpv6IT} runs the suite on ::1. */
    InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }

    @AfterAll
    static void noBufferLeaks() {
        RecordingLeakDetector.assertNoLeaks();
    }

    /** The data plane with one UDP mapping, on a virtual clock for session expiry. */
    private static final class UdpProxy implements AutoCloseable {
        final AtomicLong clock = new AtomicLong();
        final EventLoops loops;
        final DataPlane dataPlane;
        final Mapping mapping;
        final InetSocketAddress address;

        UdpProxy(IoTransport transport, InetSocketAddress backend, UdpConfig udp) {
            this(transport, backend, udp, Optional.empty());
        }

        UdpProxy(IoTransport transport, InetSocketAddress backend, UdpConfig udp, Optional<Duration> mappingIdle) {
            InetAddress listen = backend.getAddress();
            loops = new EventLoops(transport, 2);
            dataPlane = new DataPlane(loops, new DataPlaneConfig(List.of(listen), RelayConfig.DEFAULT,
                    Duration.ofSeconds(1), udp), clock::get);
            MappingKey key = new MappingKey("test/udp", backend.getPort(), Protocol.UDP, IpFamily.of(listen));
            Mapping m = null;
            for (int i = 0; i < 20 && m == null; i++) {
                Mapping candidate = new Mapping(key, backend, FreePorts.next(), mappingIdle);
                BindOutcome o = dataPlane.open(candidate);
                if (o.isBound()) {
                    m = candidate;
                }
            }
            if (m == null) {
                close();
                throw new AssertionError("no free UDP node port");
            }
            mapping = m;
            address = new InetSocketAddress(listen, m.nodePort());
        }

        UdpCounters counters() {
            return dataPlane.udpMapping(mapping.key()).counters();
        }

        @Override
        public void close() {
            dataPlane.close();
            loops.close();
        }
    }

    /** A UDP echo server on a thread, bounded by its socket's life. */
    private static final class Echo implements AutoCloseable {
        final DatagramSocket socket;
        final Thread thread;

        Echo(InetAddress bind) throws IOException {
            this(new InetSocketAddress(bind, 0));
        }

        Echo(InetSocketAddress bind) throws IOException {
            socket = new DatagramSocket(bind);
            socket.setReceiveBufferSize(4 << 20);
            thread = new Thread(() -> {
                byte[] buf = new byte[65_536];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "udp-echo");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static DatagramSocket client(InetAddress bind) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(bind, 0));
        s.setSoTimeout(5000);
        s.setReceiveBufferSize(4 << 20);
        return s;
    }

    private static byte[] roundTrip(DatagramSocket c, InetSocketAddress to, byte[] msg) throws IOException {
        c.send(new DatagramPacket(msg, msg.length, to));
        byte[] buf = new byte[65_536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        c.receive(p);
        assertEquals(to, p.getSocketAddress(), "the reply comes from the node port");
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void echoThroughTheNodePort(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), UdpConfig.DEFAULT);
             DatagramSocket c = client(ip)) {
            for (int i = 0; i < 100; i++) {
                byte[] msg = ("ping " + i).getBytes();
                assertArrayEquals(msg, roundTrip(c, proxy.address, msg));
            }
            assertEquals(1, proxy.counters().sessionsCreated(), "one client, one session");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void tenThousandDatagramsOfMixedSizesArriveIntact(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        int max = ip instanceof java.net.Inet6Address ? 65_487 : 65_507;
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), UdpConfig.DEFAULT);
             DatagramSocket c = client(ip)) {
            c.setSoTimeout(2000);
            SplittableRandom rnd = new SplittableRandom(42);
            int lost = 0;
            int corrupted = 0;
            byte[] buf = new byte[65_536];
            for (int seq = 0; seq < 10_000; seq++) {
                int size = seq % 100 == 0 ? max : (seq % 100 == 1 ? 1 : 8 + rnd.nextInt(9_000));
                byte[] msg = payload(seq, size);
                c.send(new DatagramPacket(msg, msg.length, proxy.address));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    c.receive(p);
                } catch (SocketTimeoutException e) {
                    lost++;
                    continue;
                }
                if (!Arrays.equals(msg, Arrays.copyOf(p.getData(), p.getLength()))) {
                    corrupted++;
                }
            }
            assertEquals(0, corrupted, "corrupted datagrams");
            assertEquals(0, lost, "lost datagrams on loopback at one in flight");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void twoInterleavedClientsAreNeverCrossed(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), UdpConfig.DEFAULT);
             DatagramSocket a = client(ip);
             DatagramSocket b = client(ip)) {
            for (int i = 0; i < 500; i++) {
                byte[] ma = ("A" + i).getBytes();
                byte[] mb = ("B" + i).getBytes();
                a.send(new DatagramPacket(ma, ma.length, proxy.address));
                b.send(new DatagramPacket(mb, mb.length, proxy.address));
                assertArrayEquals(ma, receive(a), "client A gets only its own reply");
                assertArrayEquals(mb, receive(b), "client B gets only its own reply");
            }
            assertEquals(2, proxy.counters().sessionsCreated());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void idleSessionsExpireOnVirtualTime(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        UdpConfig udp = UdpConfig.DEFAULT.withIdleTimeout(Duration.ofSeconds(60));
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), udp);
             DatagramSocket c = client(ip)) {
            roundTrip(c, proxy.address, "one".getBytes());
            UdpMapping um = proxy.dataPlane.udpMapping(proxy.mapping.key());
            proxy.clock.addAndGet(TimeUnit.SECONDS.toNanos(59));
            um.sweepNow();
            assertEquals(1, um.counters().sessions(), "not idle for 60 s yet");
            proxy.clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            um.sweepNow();
            assertEquals(0, um.counters().sessions(), "expired after 60 s idle");
            assertEquals(1, um.counters().sessionsExpired());
            roundTrip(c, proxy.address, "two".getBytes());
            assertEquals(2, um.counters().sessionsCreated(), "the next datagram starts a new session");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void aMappingsOwnIdleTimeoutOverridesTheDaemons(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), UdpConfig.DEFAULT,
                     Optional.of(Duration.ofSeconds(5)));
             DatagramSocket c = client(ip)) {
            roundTrip(c, proxy.address, "one".getBytes());
            UdpMapping um = proxy.dataPlane.udpMapping(proxy.mapping.key());
            proxy.clock.addAndGet(TimeUnit.SECONDS.toNanos(4));
            um.sweepNow();
            assertEquals(1, um.counters().sessions(), "not idle for the mapping's 5 s yet");
            proxy.clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            um.sweepNow();
            assertEquals(0, um.counters().sessions(), "expired after 5 s, not the daemon's 60 s");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void theSessionCapDropsAndCounts(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), UdpConfig.DEFAULT.withMaxSessions(3))) {
            for (int i = 0; i < 5; i++) {
                try (DatagramSocket c = client(ip)) {
                    c.setSoTimeout(500);
                    byte[] msg = ("client " + i).getBytes();
                    c.send(new DatagramPacket(msg, msg.length, proxy.address));
                    if (i < 3) {
                        assertArrayEquals(msg, receive(c), "client " + i + " is within the cap");
                    } else {
                        DatagramSocket cc = c;
                        Waits.until("drop counted", Duration.ofSeconds(5),
                                () -> proxy.counters().droppedOverCap() >= 1);
                        try {
                            receive(cc);
                            throw new AssertionError("client " + i + " is over the cap and gets no reply");
                        } catch (SocketTimeoutException expected) {
                            // dropped
                        }
                    }
                }
            }
            assertEquals(3, proxy.counters().sessions());
            assertEquals(2, proxy.counters().droppedOverCap());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void anEndpointThatIsDownIsCountedAndEndsTheSession(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        InetSocketAddress nobody;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0))) {
            nobody = (InetSocketAddress) s.getLocalSocketAddress();
        }
        try (UdpProxy proxy = new UdpProxy(transport, nobody, UdpConfig.DEFAULT);
             DatagramSocket c = client(ip)) {
            for (int i = 0; i < 3; i++) {
                byte[] msg = "anyone?".getBytes();
                c.send(new DatagramPacket(msg, msg.length, proxy.address));
                Thread.sleep(50); // paced, so each datagram meets the ICMP reply of the one before
            }
            Waits.until(() -> "port unreachable counted: " + proxy.counters().portUnreachable(),
                    Duration.ofSeconds(5), () -> proxy.counters().portUnreachable() >= 1);
            Waits.until("the session to end", Duration.ofSeconds(5), () -> proxy.counters().sessions() == 0);
            // The endpoint comes up on the same port: the next datagram starts a fresh session that works.
            try (Echo late = new Echo(nobody)) {
                assertEquals(nobody, late.address());
                byte[] msg = "back?".getBytes();
                assertArrayEquals(msg, roundTrip(c, proxy.address, msg), "recovers once the endpoint listens");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportMode.class)
    void removingTheMappingEndsItsSessionsAndFreesThePort(TransportMode mode) throws Exception {
        IoTransport transport = mode.transport();
        InetAddress ip = loopback();
        try (Echo echo = new Echo(ip);
             UdpProxy proxy = new UdpProxy(transport, echo.address(), UdpConfig.DEFAULT);
             DatagramSocket c = client(ip)) {
            roundTrip(c, proxy.address, "hi".getBytes());
            UdpCounters counters = proxy.counters();
            proxy.dataPlane.close(proxy.mapping);
            assertEquals(0, counters.sessions(), "sessions ended with the mapping");
            // On NIO the JDK releases a closed channel's socket at the selector's next turn, so poll briefly.
            Waits.until("the node port to be free again", Duration.ofSeconds(5), () -> {
                try (DatagramSocket rebind = new DatagramSocket(proxy.address)) {
                    return rebind.isBound();
                } catch (IOException stillBound) {
                    return false;
                }
            });
        }
    }

    private static byte[] receive(DatagramSocket s) throws IOException {
        byte[] buf = new byte[65_536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private static byte[] payload(int seq, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seq).nextBytes(b);
        if (size >= 4) {
            ByteBuffer.wrap(b).putInt(seq);
        }
        return b;
    }
}
