package dev.portlocal.tcp;

import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.Patterns;
import dev.portlocal.testing.ProxyUnderTest;
import dev.portlocal.testing.RecordingLeakDetector;
import dev.portlocal.testing.RelayMode;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The transport scenarios, written once and run against every relay mode, and direct so that a failure separates
 * the proxy from the environment. Every test uses real sockets on loopback.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TcpRelayScenariosIT {

    @AfterAll
    static void noBufferLeaks() {
        RecordingLeakDetector.assertNoLeaks();
    }

    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;
    /** SO_SNDBUF of the slow reader's backend and SO_RCVBUF of its client, fixed so autotuning cannot grow them. */
    private static final int SLOW_READER_SOCKET_BUFFER = 256 * 1024;

    /** The loopback address of the family under test; {@link TcpRelayScenariosIpv6IT} runs the suite on ::1. */
    InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }

    private BlockingBackend backend(BlockingBackend.Handler handler) throws IOException {
        return BlockingBackend.start(loopback(), handler);
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 5000);
        s.setSoTimeout(60_000);
        return s;
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void echoesSmallMessages(RelayMode mode) throws Exception {
        try (BlockingBackend backend = backend(TcpRelayScenariosIT::echo);
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            for (int i = 0; i < 100; i++) {
                byte[] msg = ("ping " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                client.getOutputStream().write(msg);
                byte[] back = client.getInputStream().readNBytes(msg.length);
                assertArrayEquals(msg, back, "echo " + i);
            }
            client.shutdownOutput();
            assertEquals(-1, client.getInputStream().read(), "FIN forwarded back after the echo");
            backend.rethrowFailures();
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void bulk64MiBEachWayIsByteExact(RelayMode mode) throws Exception {
        long size = 64 * MIB;
        AtomicReference<Patterns.Received> upload = new AtomicReference<>();
        try (BlockingBackend backend = backend(s -> {
                CompletableFuture<Void> send = CompletableFuture.runAsync(() -> sendQuietly(s, 2, size, true));
                upload.set(Patterns.receive(s.getInputStream()));
                send.join();
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            CompletableFuture<Void> send = CompletableFuture.runAsync(() -> sendQuietly(client, 1, size, true));
            Patterns.Received download = Patterns.receive(client.getInputStream());
            send.join();
            Waits.until("backend to read the upload", Duration.ofSeconds(30), () -> upload.get() != null);
            backend.rethrowFailures();
            assertEquals(size, download.bytes(), "download bytes");
            assertArrayEquals(Patterns.expected(2, size), download.digest(), "download SHA-256");
            assertEquals(size, upload.get().bytes(), "upload bytes");
            assertArrayEquals(Patterns.expected(1, size), upload.get().digest(), "upload SHA-256");
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void clientHalfCloseThenBackendAnswers(RelayMode mode) throws Exception {
        long size = 4 * MIB;
        try (BlockingBackend backend = backend(s -> {
                Patterns.Received r = Patterns.receive(s.getInputStream());
                // The answer comes only after the client's FIN arrived.
                s.getOutputStream().write(r.digest());
                s.shutdownOutput();
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            Patterns.send(client.getOutputStream(), 7, size);
            client.shutdownOutput();
            byte[] answer = client.getInputStream().readAllBytes();
            backend.rethrowFailures();
            assertArrayEquals(Patterns.expected(7, size), answer, "digest of the upload, sent after its FIN");
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void backendHalfCloseThenClientAnswers(RelayMode mode) throws Exception {
        long size = 4 * MIB;
        AtomicReference<byte[]> answer = new AtomicReference<>();
        try (BlockingBackend backend = backend(s -> {
                Patterns.send(s.getOutputStream(), 8, size);
                s.shutdownOutput();
                answer.set(s.getInputStream().readAllBytes());
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            Patterns.Received r = Patterns.receive(client.getInputStream());
            client.getOutputStream().write(r.digest());
            client.shutdownOutput();
            Waits.until("backend to read the answer", Duration.ofSeconds(30), () -> answer.get() != null);
            backend.rethrowFailures();
            assertArrayEquals(Patterns.expected(8, size), answer.get(), "client's answer after backend's FIN");
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void serverSpeaksFirst(RelayMode mode) throws Exception {
        try (BlockingBackend backend = backend(s -> {
                OutputStream out = s.getOutputStream();
                out.write("220 smtp.test ready\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] hello = s.getInputStream().readNBytes(6);
                out.write(("250 got " + new String(hello, StandardCharsets.US_ASCII)).getBytes(
                        StandardCharsets.US_ASCII));
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            byte[] banner = client.getInputStream().readNBytes(21);
            assertEquals("220 smtp.test ready\r\n", new String(banner, StandardCharsets.US_ASCII),
                    "banner arrives before the client sends anything");
            client.getOutputStream().write("HELO\r\n".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertEquals("250 got HELO\r\n",
                    new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            backend.rethrowFailures();
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void refusedBackendResetsTheClient(RelayMode mode) throws Exception {
        InetSocketAddress nobody = new InetSocketAddress(loopback(), FreePorts.refused());
        if (!mode.proxied()) {
            assertThrows(ConnectException.class, () -> connect(nobody).close(), "direct: refused");
            return;
        }
        try (ProxyUnderTest proxy = ProxyUnderTest.start(mode, nobody)) {
            for (int i = 0; i < 20; i++) {
                // The reset may arrive before connect() even returns, or on the first read; never a FIN.
                IOException e = assertThrows(IOException.class, () -> {
                    try (Socket client = connect(proxy.address())) {
                        client.setSoTimeout(5000); // well past the loopback refusal; the connect timeout is 3 s
                        int b = client.getInputStream().read();
                        throw new AssertionError("expected a reset, got " + (b < 0 ? "a FIN" : "a byte"));
                    }
                });
                assertTrue(e instanceof SocketException && e.getMessage().contains("reset"),
                        "client is reset, not closed: " + e);
            }
            Waits.until("relays to close", Duration.ofSeconds(5), () -> proxy.activeConnections() == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void connectTimeoutResetsTheClient(RelayMode mode) throws Exception {
        if (!mode.proxied()) {
            return; // nothing to time out without a proxy; the point is the proxy's own timer
        }
        // A listener whose accept queue is full never completes a handshake: its SYNs are dropped.
        try (java.net.ServerSocket full = new java.net.ServerSocket()) {
            full.bind(new InetSocketAddress(loopback(), 0), 1);
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket f = new Socket();
                    try {
                        f.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(f);
                    } catch (IOException e) {
                        f.close();
                        break;
                    }
                }
                RelayConfig fast = RelayConfig.DEFAULT.withConnectTimeout(Duration.ofMillis(500));
                try (ProxyUnderTest proxy = ProxyUnderTest.start(mode,
                        (InetSocketAddress) full.getLocalSocketAddress(), fast, Duration.ofSeconds(1));
                     Socket client = connect(proxy.address())) {
                    client.setSoTimeout(10_000);
                    long start = System.nanoTime();
                    IOException e = assertThrows(IOException.class, () -> client.getInputStream().read());
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(e.getMessage().contains("reset"), "reset, not FIN: " + e);
                    assertTrue(ms < 9_000, "reset came from the connect timeout, after " + ms + " ms");
                }
            } finally {
                for (Socket f : fillers) {
                    f.close();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void backendResetMidStreamResetsTheClient(RelayMode mode) throws Exception {
        try (BlockingBackend backend = backend(s -> {
                s.getInputStream().readNBytes(64 * 1024);
                s.setSoLinger(true, 0);
                s.close();
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            IOException e = assertThrows(IOException.class, () -> {
                OutputStream out = client.getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 4096; i++) { // bounded: 256 MiB at most
                    out.write(chunk);
                }
                int b = client.getInputStream().read();
                throw new AssertionError("expected a reset, got " + (b < 0 ? "a FIN" : "a byte"));
            });
            assertTrue(e.getMessage().contains("reset") || e.getMessage().contains("Broken pipe"),
                    "client sees the backend's reset: " + e);
            Waits.until("relays to close", Duration.ofSeconds(5), () -> proxy.activeConnections() == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void clientResetMidStreamResetsTheBackend(RelayMode mode) throws Exception {
        CompletableFuture<Throwable> backendSaw = new CompletableFuture<>();
        try (BlockingBackend backend = backend(s -> {
                try {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[8192];
                    while (in.read(buf) >= 0) {
                        // keep reading until the reset arrives
                    }
                    backendSaw.complete(null);
                } catch (IOException e) {
                    backendSaw.complete(e);
                }
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address())) {
            Socket client = connect(proxy.address());
            client.getOutputStream().write(new byte[100_000]);
            Waits.until("backend to accept", Duration.ofSeconds(5), () -> backend.accepted() == 1);
            client.setSoLinger(true, 0);
            client.close();
            Throwable seen = backendSaw.get(10, TimeUnit.SECONDS);
            assertTrue(seen instanceof SocketException && seen.getMessage().contains("reset"),
                    "backend sees a reset, not a clean FIN: " + seen);
            Waits.until("relays to close", Duration.ofSeconds(5), () -> proxy.activeConnections() == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void slowReaderKeepsProxyBufferingBounded(RelayMode mode) throws Exception {
        long size = 256 * MIB;
        int block = Patterns.block(5).length;
        AtomicLong written = new AtomicLong();
        AtomicLong backendSendBuffer = new AtomicLong();
        try (BlockingBackend backend = backend(s -> {
                s.setSendBufferSize(SLOW_READER_SOCKET_BUFFER);
                backendSendBuffer.set(s.getSendBufferSize());
                OutputStream out = s.getOutputStream();
                byte[] b = Patterns.block(5);
                for (long sent = 0; sent < size; sent += b.length) {
                    out.write(b);
                    written.addAndGet(b.length);
                }
                s.shutdownOutput();
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = new Socket()) {
            client.setReceiveBufferSize(SLOW_READER_SOCKET_BUFFER); // before connect, so the window starts small
            client.connect(proxy.address(), 5000);
            client.setSoTimeout(60_000);
            // The client reads nothing yet. Wait until the backend is blocked: its count stops moving.
            long last = -1;
            for (int i = 0; i < 100 && written.get() != last; i++) {
                last = written.get();
                Thread.sleep(100);
            }
            long stalled = written.get();
            long bound = slowReaderBound(mode, backendSendBuffer.get(), client.getReceiveBufferSize());
            assertTrue(stalled <= bound,
                    "backpressure: the backend wrote " + stalled / 1024 + " KiB while the client read nothing; the"
                            + " socket buffers and the proxy's own buffer allow " + bound / 1024 + " KiB");
            Patterns.Received r = Patterns.receive(client.getInputStream(), 8 * MIB, 1);
            assertEquals(size, r.bytes(), "all bytes arrive once the client reads");
            MessageDigest expected = Patterns.sha256();
            byte[] b = Patterns.block(5);
            for (long sent = 0; sent < size; sent += block) {
                expected.update(b);
            }
            assertArrayEquals(expected.digest(), r.digest(), "the bytes arrive intact and in order");
            backend.rethrowFailures();
        }
    }

    /**
     * The most the backend can write while the client reads nothing: what the backend's send buffer and the
     * client's receive buffer hold (twice the value Java reports: Linux doubles the value set, for its own
     * bookkeeping, and Java halves it again when read), and, when proxied, what the proxy's two sockets can hold
     * (autotuned at most to {@code tcp_rmem}'s and {@code tcp_wmem}'s maximum) plus the proxy's own buffer per
     * direction (the copy buffer, or a pipe when splicing; NIO holds one read of at most the copy buffer). The
     * margin, 10% and one 1 MiB block, is for the kernel's accounting slack: a socket may take one segment past its
     * limit, and a block write that blocks is counted only once it returns.
     */
    private static long slowReaderBound(RelayMode mode, long backendSendBuffer, long clientReceiveBuffer)
            throws IOException {
        long kernel = 2 * (backendSendBuffer + clientReceiveBuffer);
        if (mode.proxied()) {
            RelayConfig relay = mode.relay(RelayConfig.DEFAULT);
            kernel += maxOf("/proc/sys/net/ipv4/tcp_rmem") + maxOf("/proc/sys/net/ipv4/tcp_wmem")
                    + Math.max(relay.bufferSize(), relay.pipeSize());
        }
        return kernel + kernel / 10 + MIB;
    }

    /** The third field (the autotuning maximum) of a {@code tcp_rmem}/{@code tcp_wmem} sysctl. */
    private static long maxOf(String sysctl) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of(sysctl))) {
            String[] fields = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            return Long.parseLong(fields[2]);
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void thousandConcurrentConnections(RelayMode mode) throws Exception {
        int n = 1000;
        try (BlockingBackend backend = backend(TcpRelayScenariosIT::echo);
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address())) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(connect(proxy.address()));
                }
                for (int i = 0; i < n; i++) {
                    clients.get(i).getOutputStream().write(("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                for (int i = 0; i < n; i++) {
                    byte[] want = ("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                    assertArrayEquals(want, clients.get(i).getInputStream().readNBytes(want.length), "conn " + i);
                }
                if (mode.proxied()) {
                    assertEquals(n, proxy.activeConnections(), "all relayed at once");
                }
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
            }
            Waits.until(() -> "relays to close, active=" + proxy.activeConnections(), Duration.ofSeconds(20),
                    () -> proxy.activeConnections() == 0);
            backend.rethrowFailures();
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void anIdleConnectionIsClosedAfterTheIdleTimeout(RelayMode mode) throws Exception {
        if (!mode.proxied()) {
            return; // the idle timeout is the proxy's
        }
        try (BlockingBackend backend = backend(TcpRelayScenariosIT::echo);
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address(),
                     RelayConfig.DEFAULT.withIdleTimeout(Duration.ofMillis(300)), Duration.ofSeconds(1));
             Socket client = connect(proxy.address())) {
            client.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            assertEquals('x', client.getInputStream().read(), "relayed while active");
            client.setSoTimeout(10_000);
            assertEquals(-1, client.getInputStream().read(), "closed (FIN) once idle");
            Waits.until("relay to close", Duration.ofSeconds(5), () -> proxy.activeConnections() == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void removingTheMappingRefusesNewConnectionsAndResetsOldOnesAfterTheDrain(RelayMode mode) throws Exception {
        if (!mode.proxied()) {
            return;
        }
        try (BlockingBackend backend = backend(TcpRelayScenariosIT::echo);
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address(), RelayConfig.DEFAULT,
                     Duration.ofMillis(500));
             Socket client = connect(proxy.address())) {
            client.getOutputStream().write("a".getBytes(StandardCharsets.US_ASCII));
            assertEquals('a', client.getInputStream().read());
            proxy.dataPlane().close(proxy.mapping());
            if (mode == RelayMode.NIO) {
                // The JDK releases a selector-registered socket a few milliseconds after Netty's close completes.
                Waits.until("the NIO listener to release its socket", Duration.ofSeconds(2), () -> {
                    try (Socket probe = new Socket()) {
                        probe.connect(proxy.address(), 1000);
                        return false;
                    } catch (IOException refused) {
                        return true;
                    }
                });
            }
            assertThrows(ConnectException.class, () -> connect(proxy.address()).close(), "new SYNs are refused");
            client.getOutputStream().write("b".getBytes(StandardCharsets.US_ASCII));
            assertEquals('b', client.getInputStream().read(), "the old connection still works while draining");
            client.setSoTimeout(10_000);
            IOException e = assertThrows(IOException.class, () -> client.getInputStream().read(),
                    "reset when the drain timeout ends");
            assertTrue(e.getMessage().contains("reset"), e.toString());
        }
    }

    /**
     * A relay built on Netty 4.2.18's epoll channels cut this download: once the client's FIN arrived, bytes the
     * backend still sent to the half-closed client were lost (docs/architecture.md, "Why the relay is our own").
     */
    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void oneGiBDownloadToSlowClientAfterClientFin(RelayMode mode) throws Exception {
        long size = GIB;
        try (BlockingBackend backend = backend(s -> {
                byte[] req = s.getInputStream().readAllBytes(); // until the client's FIN
                assertEquals("GET /big\n", new String(req, StandardCharsets.US_ASCII));
                Patterns.send(s.getOutputStream(), 11, size);
                s.shutdownOutput();
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            client.getOutputStream().write("GET /big\n".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            Patterns.Received r = Patterns.receive(client.getInputStream(), 16 * MIB, 2);
            backend.rethrowFailures();
            assertEquals(size, r.bytes(), "bytes after the client's FIN");
            assertArrayEquals(Patterns.expected(11, size), r.digest(), "SHA-256");
        }
    }

    /**
     * The mirror case, which broke the same Netty epoll relay: the backend greets, sends its FIN at once, and only
     * then receives a large upload through the half-closed connection.
     */
    @ParameterizedTest
    @EnumSource(RelayMode.class)
    void oneGiBUploadAfterBackendGreetingAndFin(RelayMode mode) throws Exception {
        long size = GIB;
        CompletableFuture<Patterns.Received> upload = new CompletableFuture<>();
        try (BlockingBackend backend = backend(s -> {
                s.getOutputStream().write("hello, send me everything\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                upload.complete(Patterns.receive(s.getInputStream()));
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address());
             Socket client = connect(proxy.address())) {
            byte[] greeting = client.getInputStream().readAllBytes(); // until the backend's FIN
            assertEquals("hello, send me everything\n", new String(greeting, StandardCharsets.US_ASCII));
            Patterns.send(client.getOutputStream(), 12, size);
            client.shutdownOutput();
            Patterns.Received r = upload.get(90, TimeUnit.SECONDS);
            backend.rethrowFailures();
            assertEquals(size, r.bytes(), "bytes after the backend's FIN");
            assertArrayEquals(Patterns.expected(12, size), r.digest(), "SHA-256");
        }
    }

    private static void echo(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[16 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        s.shutdownOutput();
    }

    private static void sendQuietly(Socket s, long seed, long size, boolean fin) {
        try {
            Patterns.send(s.getOutputStream(), seed, size);
            if (fin) {
                s.shutdownOutput();
            }
        } catch (IOException e) {
            fail("send failed", e);
        }
    }

}
