package dev.portlocal.tcp.relay;

import dev.portlocal.model.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The header bytes, against the layout of the PROXY protocol specification (v1 text, v2 binary). */
class ProxyHeadersTest {

    /** The v2 signature: {@code \r\n\r\n\0\r\nQUIT\n}. */
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final ProxyHeaders headers = new ProxyHeaders(PooledByteBufAllocator.DEFAULT);

    @AfterEach
    void close() {
        headers.close();
    }

    private static InetSocketAddress at(String ip, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private byte[] encode(ProxyProtocol version, InetSocketAddress source, InetSocketAddress destination) {
        ByteBuf header = headers.encode(version, source, destination);
        try {
            return ByteBufUtil.getBytes(header);
        } finally {
            header.release();
        }
    }

    @Test
    void v1Tcp4IsOneTextLine() throws UnknownHostException {
        byte[] bytes = encode(ProxyProtocol.V1, at("127.0.0.2", 40001), at("127.0.0.1", 61005));
        assertEquals("PROXY TCP4 127.0.0.2 127.0.0.1 40001 61005\r\n", new String(bytes, StandardCharsets.US_ASCII));
    }

    @Test
    void v1Tcp6WritesAddressesInShortForm() throws UnknownHostException {
        byte[] bytes = encode(ProxyProtocol.V1, at("::1", 40002), at("fd00:0:0:0:0:0:0:7", 61006));
        assertEquals("PROXY TCP6 ::1 fd00::7 40002 61006\r\n", new String(bytes, StandardCharsets.US_ASCII));
    }

    @Test
    void v2Inet4IsSignatureVersionFamilyLengthAddressesPorts() throws UnknownHostException {
        byte[] bytes = encode(ProxyProtocol.V2, at("127.0.0.2", 40001), at("10.1.2.3", 61005));
        byte[] expected = concat(SIGNATURE, new byte[] {
                0x21, // version 2, command PROXY
                0x11, // AF_INET, STREAM
                0x00, 0x0C, // 12 bytes follow
                127, 0, 0, 2, 10, 1, 2, 3,
                (byte) 0x9C, 0x41, // 40001
                (byte) 0xEE, 0x4D}); // 61005
        assertArrayEquals(expected, bytes);
    }

    @Test
    void v2Inet6CarriesSixteenByteAddresses() throws UnknownHostException {
        byte[] bytes = encode(ProxyProtocol.V2, at("::1", 40002), at("fd00::7", 443));
        byte[] address1 = new byte[16];
        address1[15] = 1;
        byte[] address2 = new byte[16];
        address2[0] = (byte) 0xFD;
        address2[15] = 7;
        byte[] expected = concat(SIGNATURE, new byte[] {0x21, 0x21, 0x00, 0x24}, address1, address2,
                new byte[] {(byte) 0x9C, 0x42, 0x01, (byte) 0xBB});
        assertArrayEquals(expected, bytes);
        assertEquals(16 + 36, bytes.length);
    }

    @Test
    void oneLoopEncodesHeaderAfterHeader() throws UnknownHostException {
        for (int port = 1; port <= 1000; port++) {
            byte[] bytes = encode(ProxyProtocol.V1, at("127.0.0.2", port), at("127.0.0.1", 61000));
            assertEquals("PROXY TCP4 127.0.0.2 127.0.0.1 " + port + " 61000\r\n",
                    new String(bytes, StandardCharsets.US_ASCII));
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
