package dev.portlocal.testing.netns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayTest {

    @TempDir
    Path dir;

    /** TCP to a Unix socket to a loopback echo server, as a namespace reaches the test's API server. */
    @Test
    void bytesAndHalfClosesCrossTwoRelaysJoinedByAUnixSocket() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                    s.shutdownOutput();
                } catch (IOException e) {
                    // the test's assertions report it
                }
            });
            UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(dir.resolve("relay.sock"));
            try (Relay inner = Relay.start(socket, new InetSocketAddress(InetAddress.getLoopbackAddress(),
                         echo.getLocalPort()));
                 Relay outer = Relay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), socket);
                 Socket client = new Socket()) {
                assertEquals(socket, inner.localAddress(), "the inner relay listens on the Unix socket");
                client.connect(outer.localAddress(), 5000);
                byte[] sent = new byte[3 * 1024 * 1024 + 17];
                new Random(13).nextBytes(sent);
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        out.write(sent);
                        client.shutdownOutput();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                InputStream in = client.getInputStream();
                byte[] received = in.readAllBytes();
                writer.get(30, TimeUnit.SECONDS);
                assertEquals(sent.length, received.length, "bytes back through both relays");
                assertArrayEquals(sent, received);
            }
            assertFalse(Files.exists(dir.resolve("relay.sock")), "the relay removes its socket file");
        }
    }

    @Test
    void aTargetOutsideLoopbackIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Relay.start(
                UnixDomainSocketAddress.of(dir.resolve("x.sock")), new InetSocketAddress("198.18.0.2", 6443)));
        assertEquals("target: /198.18.0.2:6443 (expected: a Unix socket or a loopback address; a relay sends "
                + "nothing out of what the test created)", e.getMessage());
        Path longPath = dir.resolve("d".repeat(120) + ".sock");
        e = assertThrows(IllegalArgumentException.class, () -> Relay.start(UnixDomainSocketAddress.of(longPath),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 1)));
        assertTrue(e.getMessage().startsWith("unix socket path: " + longPath + " ("), e.getMessage());
        assertEquals(0, dir.toFile().list().length, "nothing bound");
    }
}
