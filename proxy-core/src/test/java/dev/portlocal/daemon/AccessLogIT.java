package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --access-log} on the real daemon: one {@code event=access} line per connection when it ends, naming the
 * client's address and port, the node port, the endpoint, the bytes each way, the relay mode and why it ended
 * (client FIN, endpoint FIN, a refused connect, the idle timeout), through copy and through splice on epoll, and
 * on the NIO transport (which always copies).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AccessLogIT {

    private static final Pattern PAIR = Pattern.compile("(\\w+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");
    private static final int BULK = 256 * 1024;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{2}, splice {0}")
    @CsvSource({"never, copy, epoll", "always, splice, epoll", "never, copy, nio"})
    void oneLinePerConnectionSaysWhoAndHowMuchAndWhyItEnded(String splice, String mode, String transport)
            throws Exception {
        int refused = FreePorts.refused();
        int apiPort = FreePorts.next();
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()));
             BlockingBackend greeter = BlockingBackend.start(s -> {
                 s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                 s.shutdownOutput();
                 s.getInputStream().transferTo(OutputStream.nullOutputStream());
             });
             BlockingBackend silent = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            PortRange range = InProcessDaemons.range(10);
            int echoPort = range.start();
            int greeterPort = range.start() + 1;
            int refusedPort = range.start() + 2;
            int silentPort = range.start() + 3;
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n"
                    + entry("shop/echo", echo.address().getPort(), echoPort)
                    + entry("shop/greeter", greeter.address().getPort(), greeterPort)
                    + entry("shop/down", refused, refusedPort)
                    + entry("shop/silent", silent.address().getPort(), silentPort));
            try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                    "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                    "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                    "--threads", "1", "--api", "127.0.0.1:" + apiPort, "--access-log", "--splice", splice,
                    "--transport", transport, "--idle-timeout", "1s")) {
                d.awaitOutput("event=started", Duration.ofSeconds(30));

                // The client sends a bulk payload, half-closes, reads the echo, closes: the client's FIN came first.
                InetSocketAddress echoClient;
                try (Socket s = client(echoPort)) {
                    echoClient = (InetSocketAddress) s.getLocalSocketAddress();
                    byte[] payload = new byte[BULK];
                    Thread writer = new Thread(() -> {
                        try {
                            s.getOutputStream().write(payload);
                            s.shutdownOutput();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    writer.start();
                    assertEquals(BULK, s.getInputStream().readAllBytes().length);
                    writer.join(10_000);
                }
                // The endpoint speaks and closes first.
                InetSocketAddress greeterClient;
                try (Socket s = client(greeterPort)) {
                    greeterClient = (InetSocketAddress) s.getLocalSocketAddress();
                    assertEquals("hello\n", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
                // The endpoint refuses. The proxy's reset can even beat connect()'s return (ECONNRESET from connect on
                // a busy machine); the access line is written either way.
                try (Socket s = client(refusedPort)) {
                    assertEquals(-1, readOrReset(s.getInputStream()));
                } catch (java.net.SocketException reset) {
                    assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
                }
                // Nothing moves for longer than the idle timeout.
                try (Socket s = client(silentPort)) {
                    s.setSoTimeout(10_000);
                    assertEquals(-1, s.getInputStream().read(), "closed by the idle timeout");
                }

                Waits.until("four access lines", Duration.ofSeconds(10), () -> accessLines(d.output()).size() == 4);
                Map<String, Map<String, String>> byEndpoint = new HashMap<>();
                for (Map<String, String> line : accessLines(d.output())) {
                    byEndpoint.put(line.get("endpoint"), line);
                }
                Map<String, String> e = byEndpoint.get("shop/echo");
                assertEquals(address(echoClient), e.get("client"), e.toString());
                assertEquals(Integer.toString(echoPort), e.get("nodePort"));
                assertEquals(Integer.toString(echo.address().getPort()), e.get("port"));
                assertEquals(Integer.toString(BULK), e.get("bytesUp"));
                assertEquals(Integer.toString(BULK), e.get("bytesDown"));
                assertEquals(mode, e.get("mode"));
                assertEquals("client_fin", e.get("end"));
                assertTrue(Double.parseDouble(e.get("durationMs")) >= 0, e.toString());

                Map<String, String> g = byEndpoint.get("shop/greeter");
                assertEquals(address(greeterClient), g.get("client"), g.toString());
                assertEquals("backend_fin", g.get("end"), g.toString());
                assertEquals("6", g.get("bytesDown"));
                assertEquals("connect_refused", byEndpoint.get("shop/down").get("end"));
                assertEquals("0", byEndpoint.get("shop/down").get("bytesDown"));
                assertEquals("idle_timeout", byEndpoint.get("shop/silent").get("end"));

                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + apiPort + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.contains("portlocal_access_log_lines_total{result=\"written\"} 4"), metrics);
                assertTrue(metrics.contains("portlocal_access_log_lines_total{result=\"dropped\"} 0"), metrics);
            }
        }
    }

    private static String entry(String name, int port, int nodePort) {
        return "  - name: " + name + "\n    ip: 127.0.0.1\n    ports:\n      - port: " + port + "\n        nodePort: "
                + nodePort + "\n";
    }

    /** A client from 127.0.0.2, so its address is not the daemon's own. */
    private static Socket client(int nodePort) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), nodePort), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static int readOrReset(InputStream in) {
        try {
            return in.read();
        } catch (IOException reset) {
            return -1;
        }
    }

    private static String address(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static List<Map<String, String>> accessLines(String output) {
        return output.lines().filter(l -> l.contains(" event=access ")).map(AccessLogIT::pairs).toList();
    }

    private static Map<String, String> pairs(String line) {
        Map<String, String> out = new HashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            String v = m.group(2);
            out.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
        }
        return out;
    }
}
