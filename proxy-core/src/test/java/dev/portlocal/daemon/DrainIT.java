package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM on the real process: a transfer under way completes within the drain timeout, new connections are
 * refused meanwhile, and the exit code is 0; a second SIGTERM exits at once.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DrainIT {

    private static final int TOTAL = 8 * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    private DaemonProcess start(int backendPort, PortRange range, String drain) throws IOException {
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n  - name: sink\n    ip: 127.0.0.1\n    ports:\n      - port: "
                + backendPort + "\n        nodePort: " + range.start() + "\n");
        DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                "--threads", "2", "--drain-timeout", drain, "--api", "unix:" + dir.resolve("api.sock"));
        d.awaitOutput("event=started", Duration.ofSeconds(30));
        return d;
    }

    /** True if a connect to {@code port} on loopback is refused (nothing listens). */
    static boolean refused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aTransferUnderWayCompletesNewConnectionsAreRefusedAndTheExitCodeIsZero() throws Exception {
        // The backend counts what it got and answers with the count once the client is done.
        try (BlockingBackend sink = BlockingBackend.start(s -> {
            long n = s.getInputStream().transferTo(OutputStream.nullOutputStream());
            s.getOutputStream().write(("got " + n + "\n").getBytes(StandardCharsets.US_ASCII));
        })) {
            PortRange range = InProcessDaemons.range(5);
            try (DaemonProcess d = start(sink.address().getPort(), range, "20s");
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), range.start())) {
                client.setSoTimeout(20_000);
                OutputStream out = client.getOutputStream();
                byte[] chunk = new byte[CHUNK];
                out.write(chunk);
                long termAt = System.nanoTime();
                d.signal("TERM");
                d.awaitOutput("event=stopping", Duration.ofSeconds(10));
                Waits.until("new connections refused", Duration.ofSeconds(10), () -> refused(range.start()));
                // The rest of the transfer, paced, after the listeners closed.
                for (int sent = CHUNK; sent < TOTAL; sent += CHUNK) {
                    out.write(chunk);
                    if (sent % (16 * CHUNK) == 0) {
                        Thread.sleep(20);
                    }
                }
                client.shutdownOutput();
                InputStream in = client.getInputStream();
                assertEquals("got " + TOTAL + "\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
                assertEquals(0, d.waitFor(Duration.ofSeconds(20)), d.output());
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - termAt);
                assertTrue(took < 20_000, "exited within the drain timeout: " + took + " ms");
                sink.rethrowFailures();
            }
        }
    }

    @Test
    void aSecondSigtermExitsAtOnce() throws Exception {
        try (BlockingBackend idle = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            PortRange range = InProcessDaemons.range(5);
            try (DaemonProcess d = start(idle.address().getPort(), range, "60s");
                 Socket held = new Socket(InetAddress.getLoopbackAddress(), range.start())) {
                held.getOutputStream().write(1);
                assertEquals(1, held.getInputStream().read());
                d.signal("TERM");
                d.awaitOutput("event=stopping", Duration.ofSeconds(10));
                long second = System.nanoTime();
                d.signal("TERM");
                int code = d.waitFor(Duration.ofSeconds(10));
                assertEquals(1, code, d.output());
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - second) < 10_000);
            }
        }
    }
}
