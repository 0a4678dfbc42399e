package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.PrometheusText;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * allowFrom, maxConnections and a port's accessLog on the real daemon, from a mapping file: a client outside
 * allowFrom (127.0.0.2) is reset without reaching the endpoint, one past maxConnections too; both show in
 * {@code /metrics} as {@code portlocal_connections_refused_total{reason}}, the port with {@code accessLog: true}
 * has its lines (the refused one with {@code end=not_allowed}) although {@code --access-log} is off, and
 * {@code GET /v1/endpoints/...} shows the port's fields.
 */
@Timeout(value = 50, unit = TimeUnit.SECONDS)
class AdmissionDaemonIT {

    @TempDir
    Path dir;

    @Test
    void refusalsAreResetCountedAndLoggedWhereThePortAsksForIt() throws Exception {
        int apiPort = FreePorts.next();
        try (BlockingBackend allowed = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()));
             BlockingBackend capped = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            PortRange range = InProcessDaemons.range(10);
            int allowedPort = range.start();
            int cappedPort = range.start() + 1;
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n"
                    + "  - name: shop/allow\n    ip: 127.0.0.1\n    ports:\n      - port: "
                    + allowed.address().getPort() + "\n        nodePort: " + allowedPort
                    + "\n        allowFrom: [127.0.0.1/32]\n        accessLog: true\n"
                    + "  - name: shop/capped\n    ip: 127.0.0.1\n    ports:\n      - port: "
                    + capped.address().getPort() + "\n        nodePort: " + cappedPort
                    + "\n        maxConnections: 1\n        connectTimeout: 2s\n        idleTimeout: 5m\n");
            try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                    "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                    "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                    "--threads", "1", "--api", "127.0.0.1:" + apiPort)) {
                d.awaitOutput("event=started", Duration.ofSeconds(30));

                assertReset("127.0.0.2", allowedPort);
                try (Socket s = client("127.0.0.1", allowedPort)) {
                    assertEchoes(s);
                }
                assertEquals(1, allowed.accepted(), "the refused client never reached the endpoint");

                try (Socket first = client("127.0.0.2", cappedPort)) {
                    assertEchoes(first);
                    assertReset("127.0.0.1", cappedPort);
                }
                assertEquals(1, capped.accepted());

                Waits.until("two access lines of shop/allow", Duration.ofSeconds(10),
                        () -> accessLines(d.output()).size() == 2);
                List<String> lines = accessLines(d.output());
                assertTrue(lines.stream().allMatch(l -> l.contains("endpoint=shop/allow")), lines.toString());
                assertTrue(lines.stream().anyMatch(l -> l.contains("end=not_allowed")
                        && l.contains("client=127.0.0.2:") && l.contains("bytesUp=0")), lines.toString());

                String metrics = get(apiPort, "/metrics");
                PrometheusText text = PrometheusText.parse(metrics);
                assertEquals(1.0, text.value("portlocal_connections_refused_total",
                        Map.of("endpoint", "shop/allow", "reason", "not_allowed")), metrics);
                assertEquals(0.0, text.value("portlocal_connections_refused_total",
                        Map.of("endpoint", "shop/allow", "reason", "over_limit")), metrics);
                assertEquals(1.0, text.value("portlocal_connections_refused_total",
                        Map.of("endpoint", "shop/capped", "reason", "over_limit")), metrics);

                String allow = get(apiPort, "/v1/endpoints/shop/allow").replaceAll("\\s+", "");
                assertTrue(allow.contains("\"allowFrom\":[\"127.0.0.1/32\"]"), allow);
                assertTrue(allow.contains("\"accessLog\":true"), allow);
                String cap = get(apiPort, "/v1/endpoints/shop/capped").replaceAll("\\s+", "");
                assertTrue(cap.contains("\"idleTimeout\":\"5m\",\"maxConnections\":1,\"connectTimeout\":\"2s\""),
                        cap);
            }
        }
    }

    private static String get(int apiPort, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + apiPort + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static Socket client(String source, int nodePort) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), nodePort), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void assertEchoes(Socket s) throws IOException {
        byte[] sent = "ping\n".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(sent);
        assertEquals("ping\n", new String(s.getInputStream().readNBytes(sent.length), StandardCharsets.US_ASCII));
    }

    /** The reset shows at connect or at the first read (it may beat connect()'s return), never as data or EOF. */
    private static void assertReset(String source, int nodePort) {
        assertThrows(SocketException.class, () -> {
            try (Socket s = client(source, nodePort)) {
                int b = s.getInputStream().read();
                fail("expected a reset, read " + b);
            }
        });
    }

    private static List<String> accessLines(String output) {
        return output.lines().filter(l -> l.contains(" event=access ")).toList();
    }
}
