package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.DaemonProcess;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * What the hardening ITs share: mapping file entries, the real daemon started on a mapping file (loopback only, one
 * loop, its state in the test's directory), and a byte-exact echo through a node port.
 */
final class CanaryDaemon {

    static final Duration WAIT = Duration.ofSeconds(30);

    private CanaryDaemon() {
    }

    /** A mapping file entry with one TCP port. */
    static String entry(String name, String ip, int port) {
        return "  - name: " + name + "\n    ip: " + ip + "\n    ports:\n      - port: " + port + "\n";
    }

    /** A mapping file entry with one TCP port pinned to {@code nodePort}. */
    static String entry(String name, String ip, int port, int nodePort) {
        return entry(name, ip, port) + "        nodePort: " + nodePort + "\n";
    }

    /**
     * {@code portlocal run} on {@code mappings} with the API at {@code api}, then {@code more} flags; returns once it
     * has started.
     */
    static DaemonProcess start(Path dir, Path mappings, PortRange range, String api, String... more)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--mappings", mappings.toString(),
                "--port-range", range.toString(), "--listen-address", "127.0.0.1",
                "--state-dir", dir.resolve("state").toString(), "--threads", "1", "--api", api));
        args.addAll(List.of(more));
        DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"), args.toArray(String[]::new));
        d.awaitOutput("event=started", WAIT);
        return d;
    }

    /** Sends 64 KiB of patterned bytes through {@code port} and reads them back, byte-exact. */
    static void assertEchoes(int port) throws IOException {
        byte[] sent = new byte[64 * 1024];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 31 + 7);
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(sent);
            s.shutdownOutput();
            byte[] got = s.getInputStream().readAllBytes();
            assertArrayEquals(sent, got, "echo through node port " + port + " (" + got.length + " bytes)");
        }
    }
}
