package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code GET /metrics} of the real daemon process, as Prometheus and its tools take it: Debian's {@code promtool
 * check metrics} finds nothing to say; the process and JVM series are there; bucket bounds read as Prometheus writes
 * them; OpenMetrics when the scraper asks for it; gzip when it accepts it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MetricsFormatsIT {

    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @BeforeAll
    static void promtool() {
        if (System.getenv("CI") != null) {
            assertTrue(Files.isExecutable(PROMTOOL), "CI installs Debian's prometheus package for promtool");
        }
    }

    @Test
    void promtoolAcceptsItAndTheFormatsAreNegotiated() throws Exception {
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            int apiPort = FreePorts.next();
            PortRange range = InProcessDaemons.range(5);
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n  - name: shop/web\n    ip: 127.0.0.1\n    ports:\n"
                    + "      - port: " + echo.address().getPort() + "\n        nodePort: " + range.start() + "\n");
            try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                    "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                    "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                    "--threads", "2", "--api", "127.0.0.1:" + apiPort)) {
                d.awaitOutput("event=started", Duration.ofSeconds(30));
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), range.start())) {
                    s.getOutputStream().write(7);
                    assertEquals(7, s.getInputStream().read());
                }
                URI metrics = URI.create("http://127.0.0.1:" + apiPort + "/metrics");

                HttpResponse<String> text = HTTP.send(HttpRequest.newBuilder(metrics).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, text.statusCode());
                assertTrue(text.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
                        text.headers().toString());
                String body = text.body();
                for (String series : new String[] {"process_open_fds ", "process_max_fds ",
                    "process_resident_memory_bytes ", "jvm_threads_current ",
                    "jvm_buffer_pool_used_bytes{pool=\"direct\"}",
                    "jvm_gc_collection_seconds_count", "portlocal_connections_total{"}) {
                    assertTrue(body.contains(series), series + " in:\n" + body);
                }
                assertTrue(body.contains("le=\"0.0001\""), body);
                assertTrue(body.contains("portlocal_connections_total{endpoint=\"shop/web\",ip_family=\"IPv4\","
                        + "namespace=\"shop\",node_port=\"" + range.start() + "\",pod=\"web\",port=\""), body);
                Files.writeString(Path.of("target", "metrics-one-mapping.txt"), body);
                Matcher javaStyle = Pattern.compile("le=\"[^\"]*(E|\\.0\")").matcher(body);
                assertFalse(javaStyle.find(), "a bound written the Java way: " + (javaStyle.find(0)
                        ? javaStyle.group() : ""));

                assumeTrue(Files.isExecutable(PROMTOOL), "promtool (Debian: prometheus) is not installed");
                Process lint = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                        .redirectErrorStream(true).start();
                lint.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
                lint.getOutputStream().close();
                String findings = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(lint.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, lint.exitValue(), findings);
                assertEquals("", findings.strip(), "promtool check metrics");

                HttpResponse<String> open = HTTP.send(HttpRequest.newBuilder(metrics)
                        .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(open.headers().firstValue("content-type").orElse("")
                        .startsWith("application/openmetrics-text"), open.headers().toString());
                assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
                assertTrue(open.body().contains("le=\"0.0001\""));

                HttpResponse<byte[]> zipped = HTTP.send(HttpRequest.newBuilder(metrics)
                        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals("gzip", zipped.headers().firstValue("content-encoding").orElse(""));
                String unzipped;
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
                    unzipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                assertTrue(unzipped.contains("portlocal_build_info{"), unzipped);
                assertTrue(zipped.body().length * 3 < unzipped.length(),
                        "gzip shrinks the text: " + zipped.body().length + " of " + unzipped.length());
            }
        }
    }
}
