package dev.portlocal.tcp;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.Protocol;
import dev.portlocal.net.EventLoops;
import dev.portlocal.net.IoTransport;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.proxy.DataPlaneConfig;
import dev.portlocal.tcp.relay.ConnectFailure;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.LogCapture;
import dev.portlocal.testing.Waits;
import dev.portlocal.udp.UdpConfig;
import dev.portlocal.udp.UdpCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * allowFrom, maxConnections and a per-port idleTimeout and connectTimeout on the real data plane, on loopback with
 * two client source addresses (127.0.0.1 and 127.0.0.2, and ::1), on epoll and NIO: an allowed client relays
 * byte-exact, a refused one gets a reset and the endpoint never sees an accept, each refusal is counted per
 * mapping, and a connect that never completes ends at the port's own timeout.
 */
@Timeout(value = 50, unit = TimeUnit.SECONDS)
class AdmissionIT {

    private static final InetAddress V4 = address("127.0.0.1");
    private static final InetAddress V4_OTHER = address("127.0.0.2");
    private static final InetAddress V6 = address("::1");

    private final List<AutoCloseable> closers = new ArrayList<>();
    private DataPlane dataPlane;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closers.size() - 1; i >= 0; i--) {
            closers.get(i).close();
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Cidr> cidrs(String... blocks) {
        List<Cidr> out = new ArrayList<>();
        for (String b : blocks) {
            out.add(Cidr.parse("allowFrom", b));
        }
        return out;
    }

    private void start(IoTransport transport, RelayConfig relay) {
        start(transport, relay, List.of(), Integer.MAX_VALUE);
    }

    private void start(IoTransport transport, RelayConfig relay, List<Cidr> allowFrom, int maxConnections) {
        start(transport, relay, allowFrom, maxConnections, false);
    }

    private void start(IoTransport transport, RelayConfig relay, List<Cidr> allowFrom, int maxConnections,
                       boolean accessLog) {
        EventLoops loops = new EventLoops(transport, 2);
        closers.add(loops::close);
        dataPlane = new DataPlane(loops, new DataPlaneConfig(List.of(V4, V6), relay, Duration.ofSeconds(1),
                UdpConfig.DEFAULT, accessLog, allowFrom, maxConnections));
        closers.add(dataPlane::close);
    }

    /** Opens a mapping to {@code backend} on a free node port; returns the node port's address. */
    private InetSocketAddress open(String name, Protocol protocol, InetSocketAddress backend,
                                   Optional<Duration> idle, PortPolicy policy) {
        MappingKey key = new MappingKey(name, backend.getPort(), protocol, IpFamily.of(backend.getAddress()));
        for (int attempt = 0; attempt < 20; attempt++) {
            Mapping m = new Mapping(key, backend, FreePorts.next(), idle, true, Optional.empty(), policy);
            if (dataPlane.open(m).isBound()) {
                return new InetSocketAddress(backend.getAddress(), m.nodePort());
            }
        }
        throw new AssertionError("no free node port");
    }

    private TcpSnapshot.Entry counts(String name) {
        for (TcpSnapshot.Entry e : dataPlane.tcp().snapshot(Duration.ofSeconds(5)).mappings()) {
            if (e.mapping().key().endpoint().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no mapping " + name);
    }

    /** An echo endpoint that counts its accepts; a reset from the client ends its connection. */
    private BlockingBackend echo(InetAddress address) throws IOException {
        BlockingBackend e = BlockingBackend.start(address, socket -> {
            try {
                socket.getInputStream().transferTo(socket.getOutputStream());
            } catch (IOException reset) {
                // the client reset or went away
            }
        });
        closers.add(e);
        return e;
    }

    private static Socket connectFrom(InetAddress source, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(to, 5000);
        s.setSoTimeout(5000);
        return s;
    }

    /** Sends 64 KiB of random bytes and reads them back byte-exact. */
    private static void assertEchoes(Socket s) throws IOException {
        byte[] sent = new byte[64 * 1024];
        new Random(7).nextBytes(sent);
        s.getOutputStream().write(sent);
        byte[] got = s.getInputStream().readNBytes(sent.length);
        assertArrayEquals(sent, got);
    }

    /** A client the node port refuses: the reset shows at connect or at the first read, never as data or EOF. */
    private static void assertReset(InetAddress source, InetSocketAddress to) {
        assertThrows(SocketException.class, () -> {
            try (Socket s = connectFrom(source, to)) {
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                int b = s.getInputStream().read();
                fail("expected a reset, read " + b);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "NIO"})
    void allowFromRelaysTheAllowedAndResetsTheOthersWithoutAConnect(IoTransport transport) throws Exception {
        start(transport, RelayConfig.DEFAULT);
        BlockingBackend v4 = echo(V4);
        BlockingBackend v6 = echo(V6);
        InetSocketAddress only1 = open("only1", Protocol.TCP, v4.address(), Optional.empty(),
                PortPolicy.NONE.withAllowFrom(cidrs("127.0.0.1/32", "fd00::/8")));
        InetSocketAddress v6Only = open("v6only", Protocol.TCP, v6.address(), Optional.empty(),
                PortPolicy.NONE.withAllowFrom(cidrs("fd00::/8")));
        InetSocketAddress v6Loop = open("v6loop", Protocol.TCP, v6.address(), Optional.empty(),
                PortPolicy.NONE.withAllowFrom(cidrs("::1/128")));

        try (Socket s = connectFrom(V4, only1)) {
            assertEchoes(s);
        }
        assertEquals(1, v4.accepted());
        assertReset(V4_OTHER, only1);
        assertReset(V4_OTHER, only1);
        assertReset(V6, v6Only);
        try (Socket s = connectFrom(V6, v6Loop)) {
            assertEchoes(s);
        }
        assertEquals(1, v4.accepted(), "the endpoint saw no connect of a refused client");
        assertEquals(1, v6.accepted());
        assertEquals(2, counts("only1").notAllowed());
        assertEquals(0, counts("only1").overLimit());
        assertEquals(1, counts("only1").total());
        assertEquals(1, counts("v6only").notAllowed());
        assertEquals(0, counts("v6loop").notAllowed());
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "NIO"})
    void theDaemonsAllowFromIsEveryPortsDefaultAndItsCapSpansMappings(IoTransport transport) throws Exception {
        start(transport, RelayConfig.DEFAULT, cidrs("127.0.0.1/32"), 2);
        BlockingBackend backend = echo(V4);
        InetSocketAddress plain = open("plain", Protocol.TCP, backend.address(), Optional.empty(), PortPolicy.NONE);
        InetSocketAddress own = open("own", Protocol.TCP, backend.address(), Optional.empty(),
                PortPolicy.NONE.withAllowFrom(cidrs("127.0.0.2/32")));
        assertReset(V4_OTHER, plain);
        assertReset(V4, own);
        try (Socket a = connectFrom(V4, plain); Socket b = connectFrom(V4_OTHER, own)) {
            assertEchoes(a);
            assertEchoes(b);
            assertReset(V4, plain); // the third connection over both mappings, past the daemon's cap of 2
        }
        assertEquals(1, counts("plain").overLimit());
        assertEquals(1, counts("plain").notAllowed());
        assertEquals(1, counts("own").notAllowed());
        assertEquals(2, backend.accepted());
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "NIO"})
    void maxConnectionsRefusesTheThirdUntilOneCloses(IoTransport transport) throws Exception {
        start(transport, RelayConfig.DEFAULT);
        BlockingBackend backend = echo(V4);
        InetSocketAddress node = open("capped", Protocol.TCP, backend.address(), Optional.empty(),
                PortPolicy.NONE.withMaxConnections(2));
        Socket first = connectFrom(V4, node);
        Socket second = connectFrom(V4_OTHER, node);
        assertEchoes(first);
        assertEchoes(second);
        assertReset(V4, node);
        assertEquals(1, counts("capped").overLimit());
        assertEquals(2, backend.accepted());

        first.close();
        // The close reaches the relay asynchronously; a new client is accepted once it has (bounded).
        boolean accepted = false;
        for (int attempt = 0; attempt < 50 && !accepted; attempt++) {
            if (counts("capped").active() < 2) {
                try (Socket third = connectFrom(V4, node)) {
                    assertEchoes(third);
                    accepted = true;
                }
            } else {
                Thread.sleep(50);
            }
        }
        assertTrue(accepted, "a new client is accepted once one of two closed");
        second.close();
        assertEquals(1, counts("capped").overLimit());
        assertEquals(3, backend.accepted());
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "NIO"})
    void aPortsIdleTimeoutClosesAtItsOwnValueWhileAnotherKeepsTheDefault(IoTransport transport) throws Exception {
        start(transport, RelayConfig.DEFAULT.withIdleTimeout(Duration.ofSeconds(30)));
        BlockingBackend backend = echo(V4);
        InetSocketAddress quick = open("quick", Protocol.TCP, backend.address(), Optional.of(Duration.ofMillis(300)),
                PortPolicy.NONE);
        InetSocketAddress slow = open("slow", Protocol.TCP, backend.address(), Optional.empty(), PortPolicy.NONE);
        try (Socket q = connectFrom(V4, quick); Socket s = connectFrom(V4, slow)) {
            assertEchoes(q);
            assertEchoes(s);
            long start = System.nanoTime();
            int end;
            try {
                end = q.getInputStream().read(); // blocks until the idle timeout closes it (timeout 5 s)
            } catch (SocketException e) {
                end = -1;
            }
            long waited = System.nanoTime() - start;
            assertEquals(-1, end, "the idle connection was closed");
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(250), "closed after its idle timeout: " + waited);
            assertEchoes(s); // idle as long, and still open under the daemon's 30 s
        }
    }

    /**
     * A loopback endpoint whose connect never completes: a listener with a backlog of 1 that never accepts, its
     * accept queue filled by connections of our own; Linux then drops every further SYN, so a connect hangs (the
     * SYN is retried) until the connecting side gives up. Returns its address once a filler's connect hung.
     */
    private InetSocketAddress blackHole() throws IOException {
        ServerSocket server = new ServerSocket(0, 1, V4);
        closers.add(server);
        InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
        for (int i = 0; i < 16; i++) {
            Socket filler = new Socket();
            closers.add(filler);
            try {
                filler.connect(address, 500);
            } catch (SocketTimeoutException full) {
                return address;
            }
        }
        throw new AssertionError("the accept queue of " + address + " never filled");
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "NIO"})
    void aPortsConnectTimeoutResetsTheClientAtItsOwnValueWhileAnotherKeepsTheDefault(IoTransport transport)
            throws Exception {
        LogCapture logs = LogCapture.start();
        closers.add(logs);
        start(transport, RelayConfig.DEFAULT.withConnectTimeout(Duration.ofSeconds(30)), List.of(),
                Integer.MAX_VALUE, true);
        InetSocketAddress hole = blackHole();
        InetSocketAddress quick = open("quick", Protocol.TCP, hole, Optional.empty(),
                PortPolicy.NONE.withConnectTimeout(Duration.ofMillis(300)));
        InetSocketAddress slow = open("slow", Protocol.TCP, hole, Optional.empty(), PortPolicy.NONE);
        try (Socket s = connectFrom(V4, slow); Socket q = connectFrom(V4, quick)) {
            assertTrue(s.isConnected());
            q.setSoTimeout(10_000); // far below the daemon's 30 s, far above the port's 300 ms
            q.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            int end;
            try {
                end = q.getInputStream().read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the port's connect timeout did not end the client's connection", e);
            } catch (SocketException reset) {
                end = -1;
            }
            long waited = System.nanoTime() - start;
            assertEquals(-1, end, "the client was reset or closed, with no byte");
            assertTrue(waited < TimeUnit.SECONDS.toNanos(10), "ended before the daemon's default: " + waited);
            Waits.until("the timeout counted", Duration.ofSeconds(5),
                    () -> counts("quick").connectErrors()[ConnectFailure.TIMEOUT.ordinal()] == 1);
            assertEquals(0, counts("quick").active());
            assertEquals(1, counts("slow").active(), "the other port still waits, under the daemon's 30 s");
            assertEquals(0, counts("slow").connectErrors()[ConnectFailure.TIMEOUT.ordinal()]);
        }
        Waits.until("the access line of quick", Duration.ofSeconds(5), () -> !accessLines(logs, "quick").isEmpty());
        assertEquals("connect_timeout", accessLines(logs, "quick").get(0).getKeyValuePairs().stream()
                .filter(kv -> kv.key.equals("end")).findFirst().orElseThrow().value);
    }

    /** The access log's lines of the endpoint {@code name}. */
    private static List<ILoggingEvent> accessLines(LogCapture logs, String name) {
        return logs.events("access").stream()
                .filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
                        .anyMatch(kv -> kv.key.equals("endpoint") && name.equals(kv.value)))
                .toList();
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "NIO"})
    void udpAllowFromDropsOutsidersAndMaxConnectionsCapsSessions(IoTransport transport) throws Exception {
        start(transport, RelayConfig.DEFAULT);
        DatagramSocket backend = new DatagramSocket(new InetSocketAddress(V4, 0));
        closers.add(backend::close);
        Thread echo = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!backend.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    backend.receive(p);
                    backend.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-echo");
        echo.setDaemon(true);
        echo.start();
        InetSocketAddress backendAddress = (InetSocketAddress) backend.getLocalSocketAddress();
        InetSocketAddress allowed = open("udp-allow", Protocol.UDP, backendAddress, Optional.empty(),
                PortPolicy.NONE.withAllowFrom(cidrs("127.0.0.1/32")));
        InetSocketAddress capped = open("udp-cap", Protocol.UDP, backendAddress, Optional.empty(),
                PortPolicy.NONE.withMaxConnections(1));

        assertTrue(echoes(V4, allowed), "an allowed client's datagram is relayed");
        assertTrue(!echoes(V4_OTHER, allowed), "an outsider's datagram is dropped");
        UdpCounters allow = dataPlane.udpMapping(new MappingKey("udp-allow", backendAddress.getPort(),
                Protocol.UDP, IpFamily.IPv4)).counters();
        assertEquals(1, allow.droppedNotAllowed());
        assertEquals(1, allow.sessionsCreated());

        assertTrue(echoes(V4, capped), "the first session");
        assertTrue(!echoes(V4_OTHER, capped), "a second session past maxConnections 1 is dropped");
        UdpCounters cap = dataPlane.udpMapping(new MappingKey("udp-cap", backendAddress.getPort(), Protocol.UDP,
                IpFamily.IPv4)).counters();
        assertEquals(1, cap.droppedOverCap());
        assertEquals(1, cap.sessions());
    }

    /** One datagram from {@code source}: true if it came back within 1 s. */
    private static boolean echoes(InetAddress source, InetSocketAddress to) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(source, 0))) {
            s.setSoTimeout(1000);
            byte[] sent = ("ping from " + source.getHostAddress()).getBytes(StandardCharsets.US_ASCII);
            s.send(new DatagramPacket(sent, sent.length, to));
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return false;
            }
            assertArrayEquals(sent, Arrays.copyOf(p.getData(), p.getLength()));
            return true;
        }
    }
}
