package dev.portlocal.tcp;

import dev.portlocal.model.Mapping;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.ProxyUnderTest;
import dev.portlocal.testing.RecordingLeakDetector;
import dev.portlocal.testing.RelayMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The header on the wire, read by a raw endpoint, in every relay mode and both families: none while the mapping has
 * no version; after a retarget to {@code v1} the exact text line with the client's own address and port and the
 * node port's; after one to {@code v2} the exact binary header; after one back to none, none again. Each change
 * applies to connections accepted after it, and a connection accepted before goes on as it was. The client's
 * payload always follows the header, and the endpoint's answer comes back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyProtocolRelayIT {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
        0x0A};

    @AfterAll
    static void noBufferLeaks() {
        RecordingLeakDetector.assertNoLeaks();
    }

    static Stream<Arguments> modesAndFamilies() {
        return Stream.of(RelayMode.EPOLL_COPY, RelayMode.EPOLL_SPLICE, RelayMode.EPOLL_AUTO, RelayMode.NIO)
                .flatMap(mode -> Stream.of(Arguments.of(mode, "127.0.0.1", "127.0.0.2"),
                        Arguments.of(mode, "::1", "::1")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndFamilies")
    void eachVersionReachesNewConnectionsExactly(RelayMode mode, String endpointIp, String clientIp) throws Exception {
        InetAddress endpoint = InetAddress.getByName(endpointIp);
        InetAddress client = InetAddress.getByName(clientIp);
        BlockingQueue<byte[]> headers = new LinkedBlockingQueue<>();
        try (BlockingBackend backend = BlockingBackend.start(endpoint, s -> readHeaderThenEcho(s, headers));
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address())) {
            Mapping plain = proxy.mapping();

            try (Socket c = connect(client, proxy.address())) {
                assertEquals("x1", roundTrip(c, "x1"));
                assertArrayEquals(new byte[0], take(headers), "no version: no header");
            }

            proxy.dataPlane().retarget(with(plain, ProxyProtocol.V1));
            Socket before = connect(client, proxy.address());
            assertEquals("x2", roundTrip(before, "x2"));
            String family = endpoint instanceof Inet6Address ? "TCP6" : "TCP4";
            assertEquals("PROXY " + family + " " + clientIp + " " + endpointIp + " " + before.getLocalPort() + " "
                    + proxy.address().getPort() + "\r\n", new String(take(headers), StandardCharsets.US_ASCII));

            proxy.dataPlane().retarget(with(plain, ProxyProtocol.V2));
            try (Socket c = connect(client, proxy.address())) {
                assertEquals("x3", roundTrip(c, "x3"));
                assertArrayEquals(v2(client, c.getLocalPort(), endpoint, proxy.address().getPort()), take(headers));
            }
            assertEquals("x4", roundTrip(before, "x4"), "a connection accepted before the change goes on");
            before.close();

            proxy.dataPlane().retarget(plain);
            try (Socket c = connect(client, proxy.address())) {
                assertEquals("x5", roundTrip(c, "x5"));
                assertArrayEquals(new byte[0], take(headers), "the version removed: no header");
            }
            backend.rethrowFailures();
        }
    }

    private static Mapping with(Mapping m, ProxyProtocol version) {
        return new Mapping(m.key(), m.target(), m.nodePort(), m.idleTimeout(), m.ready(), Optional.of(version));
    }

    /** The v2 header of the specification for a TCP connection from {@code src} to {@code dst}. */
    private static byte[] v2(InetAddress src, int srcPort, InetAddress dst, int dstPort) {
        byte[] a = src.getAddress();
        byte[] b = dst.getAddress();
        ByteBuffer out = ByteBuffer.allocate(16 + 2 * a.length + 4);
        out.put(V2_SIGNATURE).put((byte) 0x21).put((byte) (a.length == 4 ? 0x11 : 0x21))
                .putShort((short) (2 * a.length + 4)).put(a).put(b).putShort((short) srcPort)
                .putShort((short) dstPort);
        return out.array();
    }

    private static Socket connect(InetAddress client, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(client, 0));
        s.setSoTimeout(10_000);
        s.connect(to, 5000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(bytes);
        byte[] back = new DataInputStream(s.getInputStream()).readNBytes(bytes.length);
        return new String(back, StandardCharsets.US_ASCII);
    }

    private static byte[] take(BlockingQueue<byte[]> headers) throws InterruptedException {
        byte[] header = headers.poll(10, TimeUnit.SECONDS);
        assertNotNull(header, "the endpoint got a connection");
        return header;
    }

    /**
     * Reads a header if the stream starts with one (a v1 line up to CRLF, or a v2 header by its length), records it
     * (empty if none), then echoes the rest, starting with the first byte if it was payload ({@code x}).
     */
    private static void readHeaderThenEcho(Socket s, BlockingQueue<byte[]> headers) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        int first = in.read();
        if (first < 0) {
            return;
        }
        byte[] header;
        if (first == 'P') {
            StringBuilder line = new StringBuilder("P");
            while (!line.toString().endsWith("\r\n") && line.length() < 108) {
                line.append((char) in.read());
            }
            header = line.toString().getBytes(StandardCharsets.US_ASCII);
        } else if (first == V2_SIGNATURE[0]) {
            byte[] fixed = new byte[16];
            fixed[0] = (byte) first;
            new DataInputStream(in).readFully(fixed, 1, 15);
            int length = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
            header = Arrays.copyOf(fixed, 16 + length);
            new DataInputStream(in).readFully(header, 16, length);
        } else {
            header = new byte[0];
            out.write(first);
        }
        headers.add(header);
        in.transferTo(out);
    }
}
