package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.PrometheusText;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reload under load, on the real process: four echo streams flow through two mappings that stay while the mapping
 * file changes 100 times (other endpoints come, go and move) and SIGHUP arrives 10 times. Every byte sent on the
 * staying mappings comes back, in order, and no stream is reset.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadUnderLoadIT {

    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String file(int backendPort, PortRange range, int version, Random random) {
        StringBuilder sb = new StringBuilder("endpoints:\n");
        for (int i = 0; i < 2; i++) {
            sb.append("  - name: stable-").append(i).append("\n    ip: 127.0.0.1\n    ports:\n      - port: ")
                    .append(backendPort).append("\n        nodePort: ").append(range.start() + i).append('\n');
        }
        for (int i = 0; i < 6; i++) {
            if (random.nextBoolean()) {
                // Churn: present or not, and on a target that moves with each version.
                sb.append("  - name: churn-").append(i).append("\n    ip: 127.0.0.").append(2 + version % 5)
                        .append("\n    ports:\n      - port: ").append(9000 + i).append('\n');
            }
        }
        return sb.toString();
    }

    /** Echoes chunks until told to stop; returns the bytes that came back, after checking each one. */
    private static long stream(int nodePort, long seed, AtomicBoolean stop) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), nodePort)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Random random = new Random(seed);
            byte[] sent = new byte[CHUNK];
            long echoed = 0;
            while (!stop.get()) {
                random.nextBytes(sent);
                out.write(sent);
                byte[] back = in.readNBytes(CHUNK);
                if (!Arrays.equals(sent, back)) {
                    throw new AssertionError("stream " + seed + ": chunk at " + echoed + " differs ("
                            + back.length + " bytes back)");
                }
                echoed += CHUNK;
            }
            s.shutdownOutput();
            if (in.read() != -1) {
                throw new AssertionError("stream " + seed + ": bytes after the last chunk");
            }
            return echoed;
        }
    }

    @Test
    void noByteIsLostOnTheMappingsThatStay() throws Exception {
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            PortRange range = InProcessDaemons.range(20);
            Path mappings = dir.resolve("endpoints.yaml");
            Random random = new Random(7);
            write(mappings, file(echo.address().getPort(), range, 0, random));
            Path api = dir.resolve("api.sock");
            try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                    "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                    "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                    "--threads", "2", "--drain-timeout", "5s", "--api", "unix:" + api)) {
                d.awaitOutput("event=started", Duration.ofSeconds(30));
                AtomicBoolean stop = new AtomicBoolean();
                List<CompletableFuture<Long>> streams = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    int port = range.start() + i % 2;
                    long seed = i;
                    streams.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return stream(port, seed, stop);
                        } catch (IOException e) {
                            throw new AssertionError("stream " + seed + " failed", e);
                        }
                    }));
                }
                for (int change = 1; change <= 100; change++) {
                    write(mappings, file(echo.address().getPort(), range, change, random));
                    if (change % 10 == 0) {
                        d.signal("HUP");
                    }
                    Thread.sleep(25);
                }
                ApiClient client = new ApiClient(new ApiAddress.Unix(api), Optional.empty(), Duration.ofSeconds(10));
                Waits.until("10 reloads counted", Duration.ofSeconds(30), () -> {
                    try {
                        return PrometheusText.parse(client.get("/metrics").text())
                                .value("portlocal_reloads_total", Map.of("result", "ok")) == 10;
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                stop.set(true);
                for (int i = 0; i < streams.size(); i++) {
                    long echoed = streams.get(i).get(60, TimeUnit.SECONDS);
                    assertTrue(echoed > 0, "stream " + i + " moved bytes");
                }
                PrometheusText t = PrometheusText.parse(client.get("/metrics").text());
                assertEquals(0, t.value("portlocal_reloads_total", Map.of("result", "invalid")));
                assertEquals(2.0, t.value("portlocal_connections_total", Map.of("endpoint", "stable-0")),
                        "each stream kept its one connection");
                assertEquals(0, d.terminate(Duration.ofSeconds(30)), d.output());
                echo.rethrowFailures();
            }
        }
    }
}
