package dev.portlocal.tcp.relay;

import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.ProxyUnderTest;
import dev.portlocal.testing.RelayMode;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP keepalive on both relayed sockets, read where the kernel shows it: {@code /proc/net/tcp} lists a socket
 * whose keepalive timer is armed with timer {@code 02} and the time left in clock ticks (100 a second).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpKeepaliveTest {

    /** A socket's row: the timer kind and the seconds left, for local port {@code local} and remote {@code remote}. */
    private record Timer(int kind, long secondsLeft) {
    }

    private static Optional<Timer> timer(int local, int remote) {
        for (String line : lines()) {
            String[] f = line.trim().split("\\s+");
            int l = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
            int r = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
            if (l == local && r == remote && f[3].equals("01")) {
                String[] t = f[5].split(":");
                return Optional.of(new Timer(Integer.parseInt(t[0], 16), Long.parseLong(t[1], 16) / 100));
            }
        }
        return Optional.empty();
    }

    /**
     * The rows of {@code /proc/net/tcp} and {@code tcp6}: Java's own sockets are IPv6 ones with IPv4-mapped
     * addresses, so loopback IPv4 connections show in either.
     */
    private static List<String> lines() {
        List<String> rows = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                List<String> lines = Files.readAllLines(Path.of(table));
                rows.addAll(lines.subList(1, lines.size()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return rows;
    }

    /** The rows that involve {@code ports}, for failure messages. */
    private static String rows(int... ports) {
        StringBuilder out = new StringBuilder();
        for (String line : lines()) {
            for (int port : ports) {
                if (line.contains(String.format(":%04X ", port))) {
                    out.append('\n').append(line);
                    break;
                }
            }
        }
        return out.toString();
    }

    @ParameterizedTest
    @EnumSource(value = RelayMode.class, names = {"EPOLL_COPY", "NIO"})
    void bothRelayedSocketsProbeAfterTheIdleTimeConfigured(RelayMode mode) throws Exception {
        TcpKeepalive keepalive = new TcpKeepalive(true, Duration.ofSeconds(3000), Duration.ofSeconds(7), 4);
        AtomicInteger relayPortSeenByBackend = new AtomicInteger();
        try (BlockingBackend echo = BlockingBackend.start(s -> {
            relayPortSeenByBackend.set(s.getPort());
            s.getInputStream().transferTo(s.getOutputStream());
        });
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, echo.address(),
                     RelayConfig.DEFAULT.withKeepalive(keepalive), Duration.ofSeconds(1));
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.address().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(42);
            assertEquals(42, client.getInputStream().read());
            int nodePort = proxy.address().getPort();
            int backendPort = echo.address().getPort();
            // The relay's two sockets: the accepted one (node port -> client) and its own (-> the backend).
            Waits.until(() -> "both relayed sockets idle with keepalive armed: " + rows(nodePort, backendPort),
                    Duration.ofSeconds(10), () ->
                    timer(nodePort, client.getLocalPort()).map(t -> t.kind() == 2).orElse(false)
                            && relayPortSeenByBackend.get() != 0
                            && timer(relayPortSeenByBackend.get(), backendPort).map(t -> t.kind() == 2).orElse(false));
            for (Timer t : List.of(timer(nodePort, client.getLocalPort()).orElseThrow(),
                    timer(relayPortSeenByBackend.get(), backendPort).orElseThrow())) {
                assertTrue(t.secondsLeft() > 2400 && t.secondsLeft() <= 3000, "idle 3000 s configured: " + t);
            }
            assertEquals(0, timer(client.getLocalPort(), nodePort).orElseThrow(() -> new AssertionError(
                    rows(nodePort, backendPort))).kind(),
                    "the test's own client socket has no keepalive: the timer is the relay's");
        }
    }

    @Test
    void offLeavesTheSocketsWithoutAKeepaliveTimer() throws Exception {
        AtomicInteger relayPort = new AtomicInteger();
        try (BlockingBackend echo = BlockingBackend.start(s -> {
            relayPort.set(s.getPort());
            s.getInputStream().transferTo(s.getOutputStream());
        });
             ProxyUnderTest proxy = ProxyUnderTest.start(RelayMode.EPOLL_COPY, echo.address(),
                     RelayConfig.DEFAULT.withKeepalive(TcpKeepalive.OFF), Duration.ofSeconds(1));
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.address().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(1);
            assertEquals(1, client.getInputStream().read());
            Waits.until("the relayed sockets are idle", Duration.ofSeconds(10), () ->
                    timer(proxy.address().getPort(), client.getLocalPort()).map(t -> t.kind() != 1).orElse(false)
                            && relayPort.get() != 0
                            && timer(relayPort.get(), echo.address().getPort()).map(t -> t.kind() != 1).orElse(false));
            assertEquals(0, timer(proxy.address().getPort(), client.getLocalPort()).orElseThrow().kind());
            assertEquals(0, timer(relayPort.get(), echo.address().getPort()).orElseThrow().kind());
        }
    }

    @Test
    void parsesAndRefusesWhatTheKernelWouldRefuse() {
        assertEquals(TcpKeepalive.DEFAULT, TcpKeepalive.parse("tcpKeepalive", "60s/10s/6"));
        assertEquals("60s/10s/6", TcpKeepalive.DEFAULT.toString());
        assertEquals(new TcpKeepalive(true, Duration.ofMinutes(2), Duration.ofSeconds(5), 127),
                TcpKeepalive.parse("t", "2m/5s/127"));
        assertEquals(TcpKeepalive.OFF, TcpKeepalive.parse("t", "OFF"));
        for (String bad : List.of("", "60s", "60s/10s", "0s/10s/6", "60s/10s/0", "60s/10s/128", "32768s/1s/1",
                "60/10/6", "1.5s/1s/1", "60s/10s/6/1", "on")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TcpKeepalive.parse("tcpKeepalive", bad), bad);
            assertEquals("tcpKeepalive: " + bad + " (expected: " + TcpKeepalive.EXPECTED + ")", e.getMessage());
        }
    }
}
