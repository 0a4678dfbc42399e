package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real daemon at its fd limit (lowered on the running process with {@code prlimit}): 60 connections beyond it
 * log one failure per kind and loop, not one per attempt; once the limit is back, the next connection logs the
 * recovery and is relayed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FdLimitIT {

    private static final Duration WAIT = CanaryDaemon.WAIT;

    @TempDir
    Path dir;

    private static int openFds(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        }
    }

    /** Sets the soft limit only: raising a hard limit needs CAP_SYS_RESOURCE. */
    private static void prlimit(long pid, int limit) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--nofile=" + limit + ":")
                .inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "prlimit works here");
    }

    private static int count(String text, String part) {
        return text.split(part, -1).length - 1;
    }

    @Test
    void failuresAtTheFdLimitAreLoggedOncePerEpisode() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "prlimit is installed");
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            PortRange range = InProcessDaemons.range(3);
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n"
                    + CanaryDaemon.entry("canary", "127.0.0.1", echo.address().getPort(), range.start()));
            try (DaemonProcess d = CanaryDaemon.start(dir, mappings, range, "unix:" + dir.resolve("api.sock"))) {
                CanaryDaemon.assertEchoes(range.start());
                int limit = openFds(d.pid()) + 6;
                prlimit(d.pid(), limit);
                List<Socket> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 60; i++) {
                        Socket s = new Socket();
                        held.add(s);
                        try {
                            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), range.start()), 5000);
                        } catch (java.net.SocketException reset) {
                            // At the limit the daemon may accept, fail to open the endpoint's socket and reset the
                            // client; on loopback that reset can reach connect() before it returns. Expected here.
                            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
                        }
                    }
                    Waits.until("a failure at the limit is logged", WAIT,
                            () -> d.output().contains("event=socket_failed")
                                    || d.output().contains("event=accept_failed"));
                    // Let the loop retry a while (a bounded pause, not a timing assertion): the accept pause is 100 ms,
                    // so a log line per attempt would pile up meanwhile.
                    Thread.sleep(500);
                    assertTrue(d.isAlive(), d.output());
                    String out = d.output();
                    assertTrue(count(out, "event=socket_failed") <= 1, out);
                    assertTrue(count(out, "event=accept_failed") <= 1, out);
                } finally {
                    for (Socket s : held) {
                        s.close();
                    }
                }
                prlimit(d.pid(), 4096);
                Waits.until("the canary is relayed again", WAIT, () -> {
                    try {
                        CanaryDaemon.assertEchoes(range.start());
                        return true;
                    } catch (IOException | AssertionError e) {
                        return false;
                    }
                });
                Waits.until("the episode's end is logged", WAIT, () -> d.output().contains("event=socket_recovered")
                        || d.output().contains("event=accept_recovered"));
                String out = d.output();
                assertTrue(count(out, "event=socket_failed") <= 1 && count(out, "event=accept_failed") <= 1, out);
                out.lines().filter(line -> line.contains("_failed") || line.contains("_recovered"))
                        .forEach(System.out::println);
                assertEquals(0, d.terminate(WAIT), d.output());
            }
        }
    }
}
