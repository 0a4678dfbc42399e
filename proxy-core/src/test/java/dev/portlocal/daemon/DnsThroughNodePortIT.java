package dev.portlocal.daemon;

import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real clients over UDP: dig queries a real dnsmasq on loopback through a UDP node port of the real daemon.
 * CI installs both (.ci/run); elsewhere the test is skipped when they are missing, and says so.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DnsThroughNodePortIT {

    @TempDir
    Path dir;

    @Test
    void digResolvesThroughAUdpNodePort() throws Exception {
        boolean tools = Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) && Files.isExecutable(Path.of("/usr/bin/dig"));
        if (System.getenv("CI") != null && !tools) {
            throw new AssertionError("CI must install dnsmasq-base and dnsutils (see .ci/run)");
        }
        Assumptions.assumeTrue(tools, "dnsmasq and dig are not installed");

        int dnsPort = portFreeForUdpAndTcp();
        Process dnsmasq = new ProcessBuilder("/usr/sbin/dnsmasq", "--keep-in-foreground", "--port=" + dnsPort,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--address=/portlocal.test/10.1.2.3", "--conf-file=/dev/null",
                "--pid-file=" + dir.resolve("dnsmasq.pid"), "--user=root", "--log-facility=-")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        // dnsmasq binds after it forks off; ask it directly first, so a slow start is not blamed on the relay.
        Waits.until(() -> "dnsmasq answers on " + dnsPort + ": " + dnsmasqLog(), Duration.ofSeconds(20), () -> {
            if (!dnsmasq.isAlive()) {
                throw new AssertionError("dnsmasq exited with " + dnsmasq.exitValue() + ": " + dnsmasqLog());
            }
            try {
                return "10.1.2.3".equals(dig(dnsPort));
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        int nodePort = 61000 + ThreadLocalRandom.current().nextInt(0, 1000);
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n"
                + "  - name: kube-system/dns\n"
                + "    ip: 127.0.0.1\n"
                + "    ports:\n"
                + "      - port: " + dnsPort + "\n"
                + "        protocol: udp\n"
                + "        nodePort: " + nodePort + "\n");
        try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"), "run",
                "--mappings", mappings.toString(), "--port-range", "61000-62000",
                "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString())) {
            d.awaitOutput("event=started", Duration.ofSeconds(30));
            for (int i = 0; i < 5; i++) {
                assertEquals("10.1.2.3", dig(nodePort), "answer through node port " + nodePort + ":\n" + d.output());
            }
        } finally {
            dnsmasq.destroy();
            dnsmasq.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * dnsmasq binds the port for UDP and TCP alike and exits if either is taken, so the port must be free for both:
     * hold a UDP and a TCP socket on it together before handing it over.
     */
    private static int portFreeForUdpAndTcp() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort()));
                return udp.getLocalPort();
            } catch (IOException takenForTcp) {
                // try another
            }
        }
        throw new AssertionError("no loopback port free for both UDP and TCP in 50 attempts");
    }

    private String dnsmasqLog() {
        try {
            return Files.readString(dir.resolve("dnsmasq.log"));
        } catch (IOException e) {
            return "<no log>";
        }
    }

    private static String dig(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("/usr/bin/dig", "@127.0.0.1", "-p", Integer.toString(port),
                "portlocal.test", "A", "+short", "+time=2", "+tries=2"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }
}
