package dev.portlocal.daemon;

import dev.portlocal.api.ApiClient;
import dev.portlocal.metrics.DaemonMetrics.ReloadResult;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.PrometheusText;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scrapes {@code GET /metrics} over real HTTP from an in-process daemon, parses it with a strict parser of the text
 * format, and checks the counters against the traffic the test sent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsIT {

    @RegisterExtension
    final InProcessDaemons daemons = new InProcessDaemons();

    @TempDir
    Path dir;

    private BlockingBackend echo;

    @AfterEach
    void closeBackend() throws IOException {
        if (echo != null) {
            echo.close();
            echo.rethrowFailures();
        }
    }

    private static String entry(String name, int port) {
        return "  - name: " + name + "\n    ip: 127.0.0.1\n    ports:\n      - port: " + port + "\n";
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static PrometheusText scrape(Daemon daemon) throws IOException {
        ApiClient.Response r = InProcessDaemons.client(daemon).get("/metrics");
        assertEquals(200, r.status(), r.text());
        String type = r.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("content-type"))
                .map(Map.Entry::getValue).findFirst().orElse("");
        assertTrue(type.startsWith("text/plain; version=0.0.4"), type);
        return PrometheusText.parse(r.text());
    }

    private static int nodePort(Daemon daemon, String endpoint) {
        return daemon.service().mappings().stream().filter(m -> m.key().endpoint().equals(endpoint))
                .map(MappingStatus::nodePort).findFirst().orElseThrow().orElseThrow();
    }

    /** Writes {@code size} bytes, reads them back, half-closes and waits for the proxy's FIN. */
    private static void echoOnce(int port, int size) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            byte[] sent = new byte[size];
            Arrays.fill(sent, (byte) 'x');
            s.getOutputStream().write(sent);
            assertArrayEquals(sent, s.getInputStream().readNBytes(size));
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void countersMatchTheTrafficSentAndARemovedMappingLosesItsSeries() throws Exception {
        echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()));
        int refusedPort = FreePorts.refused();
        Path mappings = dir.resolve("endpoints.yaml");
        write(mappings, "endpoints:\n" + entry("web", echo.address().getPort()) + entry("down", refusedPort));
        PortRange range = InProcessDaemons.range(10);
        Daemon daemon = daemons.start(b -> b.portRange(range).mappingsFile(mappings).threads(2));
        int web = nodePort(daemon, "web");
        int down = nodePort(daemon, "down");

        for (int i = 0; i < 3; i++) {
            echoOnce(web, 1000);
        }
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket();
            try (s) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), down), 10_000);
                s.setSoTimeout(10_000);
                assertEquals(-1, s.getInputStream().read());
            } catch (IOException reset) {
                // The proxy resets the client when the endpoint refuses. On a busy machine the reset can even beat
                // connect()'s return (ECONNRESET from connect); the proxy counted the refusal either way, which the
                // connect_errors assertion below checks.
                assertFalse(reset instanceof ConnectException, "the node port listens: " + reset);
            }
        }
        try (Socket live = new Socket(InetAddress.getLoopbackAddress(), web)) {
            live.setSoTimeout(10_000);
            byte[] half = "y".repeat(500).getBytes(StandardCharsets.US_ASCII);
            live.getOutputStream().write(half);
            assertArrayEquals(half, live.getInputStream().readNBytes(500));
            Map<String, String> webTcp = Map.of("endpoint", "web", "protocol", "tcp", "ip_family", "IPv4",
                    "node_port", Integer.toString(web), "port", Integer.toString(echo.address().getPort()));
            Map<String, String> downTcp = Map.of("endpoint", "down", "node_port", Integer.toString(down));
            Waits.until("3 web connections closed and 2 refused", Duration.ofSeconds(10), () -> {
                try {
                    PrometheusText t = scrape(daemon);
                    return t.value("portlocal_connections_active", webTcp) == 1
                            && t.value("portlocal_connections_active", downTcp) == 0;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            PrometheusText t = scrape(daemon);
            assertEquals(4, t.value("portlocal_connections_total", webTcp));
            // Three closed connections plus the live one, read on its loop at scrape time.
            assertEquals(3500, t.value("portlocal_bytes_total", with(webTcp, "direction", "to_endpoint")));
            assertEquals(3500, t.value("portlocal_bytes_total", with(webTcp, "direction", "to_client")));
            // One histogram for the daemon (per mapping only with --metrics-latency-per-mapping): the 4 connects
            // that reached an endpoint.
            assertEquals(4, t.value("portlocal_connect_duration_seconds_count", Map.of()));
            assertEquals(List.of(), t.find("portlocal_connect_duration_seconds_count", webTcp));
            assertEquals(0, t.value("portlocal_connect_errors_total", with(webTcp, "reason", "refused")));
            assertEquals(2, t.value("portlocal_connect_errors_total", with(downTcp, "reason", "refused")));
            assertEquals(2, t.value("portlocal_connections_total", downTcp));
            assertEquals(0, t.value("portlocal_bytes_total", with(downTcp, "direction", "to_client")));
            assertEquals(2, t.value("portlocal_mappings", Map.of("state", "listening")));
            assertEquals(0, t.value("portlocal_mappings", Map.of("state", "conflict")));
            assertEquals(range.size() - 2, t.value("portlocal_ports_free",
                    Map.of("protocol", "tcp", "ip_family", "IPv4")));
            double relayed = t.value("portlocal_relay_copied_bytes_total", Map.of())
                    + t.value("portlocal_relay_spliced_bytes_total", Map.of());
            assertEquals(7000, relayed, "the relay's own counters see the same bytes");
            assertEquals(1, t.value("portlocal_scrape_loops_complete", Map.of()));
            assertEquals(1, t.value("portlocal_build_info", Map.of("transport", "epoll")));
            assertEquals(0, t.value("portlocal_reloads_total", Map.of("result", "ok")));
            assertEquals(0, t.value("portlocal_allocation_failures_total", Map.of("reason", "no_free_port")));
            assertEquals("histogram", t.types().get("portlocal_connect_duration_seconds"));

            assertEquals(ReloadResult.OK, daemon.reload(daemon::config).get(10,
                    TimeUnit.SECONDS));
            assertEquals(1, scrape(daemon).value("portlocal_reloads_total", Map.of("result", "ok")));
        }

        write(mappings, "endpoints:\n" + entry("web", echo.address().getPort()));
        Waits.until("the removed mapping's series are gone", Duration.ofSeconds(10), () -> {
            try {
                PrometheusText t = scrape(daemon);
                return t.find("portlocal_connections_total", Map.of("endpoint", "down")).isEmpty()
                        && t.find("portlocal_connect_duration_seconds_bucket", Map.of("endpoint", "down")).isEmpty()
                        && t.find("portlocal_bytes_total", Map.of("endpoint", "web")).size() == 2;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(4, scrape(daemon).value("portlocal_connect_duration_seconds_count", Map.of()),
                "the daemon's histogram keeps what a removed mapping counted");
    }

    @Test
    void aRemovedMappingKeepsItsSeriesUntilItsLastConnectionEnds() throws Exception {
        echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()));
        Path mappings = dir.resolve("endpoints.yaml");
        write(mappings, "endpoints:\n" + entry("web", echo.address().getPort()));
        Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(5)).mappingsFile(mappings)
                .drainTimeout(Duration.ofSeconds(60)));
        int web = nodePort(daemon, "web");
        Map<String, String> webTcp = Map.of("endpoint", "web", "node_port", Integer.toString(web));
        try (Socket live = new Socket(InetAddress.getLoopbackAddress(), web)) {
            live.setSoTimeout(10_000);
            live.getOutputStream().write(new byte[100]);
            assertEquals(100, live.getInputStream().readNBytes(100).length);
            write(mappings, "endpoints: []\n");
            Waits.until("the mapping is removed", Duration.ofSeconds(10), () -> daemon.service().mappings().isEmpty());
            PrometheusText draining = scrape(daemon);
            assertEquals(1, draining.value("portlocal_connections_active", webTcp), "draining: the series stay");
            assertEquals(100, draining.value("portlocal_bytes_total", with(webTcp, "direction", "to_client")));
            live.getOutputStream().write(new byte[50]);
            assertEquals(50, live.getInputStream().readNBytes(50).length, "the drained connection goes on");
        }
        Waits.until("the series go with the last connection", Duration.ofSeconds(10), () -> {
            try {
                return scrape(daemon).find("portlocal_connections_total", webTcp).isEmpty();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aFullRangeCountsAnAllocationFailure() throws Exception {
        Path mappings = dir.resolve("endpoints.yaml");
        write(mappings, "endpoints:\n" + entry("a", 1001) + entry("b", 1002));
        PortRange range = InProcessDaemons.range(1);
        Daemon daemon = daemons.start(b -> b.portRange(range).mappingsFile(mappings));
        PrometheusText t = scrape(daemon);
        assertEquals(1, t.value("portlocal_mappings", Map.of("state", "listening")));
        assertEquals(1, t.value("portlocal_mappings", Map.of("state", "error")));
        assertTrue(t.value("portlocal_allocation_failures_total", Map.of("reason", "no_free_port")) >= 1);
        assertEquals(0, t.value("portlocal_ports_free", Map.of("protocol", "tcp", "ip_family", "IPv4")));
    }

    @Test
    void udpSessionsAndDatagramsAreCountedPerMapping() throws Exception {
        try (java.net.DatagramSocket backend = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket client = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            backend.setSoTimeout(10_000);
            client.setSoTimeout(10_000);
            Thread echoer = new Thread(() -> {
                byte[] buf = new byte[2048];
                try {
                    for (int i = 0; i < 3; i++) {
                        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                        backend.receive(p);
                        backend.send(new java.net.DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    }
                } catch (IOException e) {
                    // the test fails on the missing answer
                }
            }, "udp-echo");
            echoer.setDaemon(true);
            echoer.start();
            Path mappings = dir.resolve("endpoints.yaml");
            write(mappings, "endpoints:\n  - name: dns\n    ip: 127.0.0.1\n    ports:\n      - port: "
                    + backend.getLocalPort() + "\n        protocol: udp\n");
            Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(5)).mappingsFile(mappings));
            int nodePort = nodePort(daemon, "dns");
            for (int i = 0; i < 3; i++) {
                byte[] q = ("q" + i).getBytes(StandardCharsets.US_ASCII);
                client.send(new java.net.DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), nodePort));
                java.net.DatagramPacket answer = new java.net.DatagramPacket(new byte[64], 64);
                client.receive(answer);
                assertEquals("q" + i, new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII));
            }
            Map<String, String> udp = Map.of("endpoint", "dns", "protocol", "udp",
                    "node_port", Integer.toString(nodePort));
            PrometheusText t = scrape(daemon);
            assertEquals(1, t.value("portlocal_udp_sessions_active", udp));
            assertEquals(1, t.value("portlocal_udp_sessions_total", udp));
            assertEquals(3, t.value("portlocal_udp_datagrams_total", with(udp, "direction", "to_endpoint")));
            assertEquals(3, t.value("portlocal_udp_datagrams_total", with(udp, "direction", "to_client")));
            assertEquals(0, t.value("portlocal_udp_dropped_total", with(udp, "reason", "session_cap")));
        }
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> out = new java.util.HashMap<>(labels);
        out.put(key, value);
        return out;
    }
}
