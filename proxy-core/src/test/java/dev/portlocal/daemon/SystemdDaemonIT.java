package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.systemd.SystemdSettings;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.NotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon speaking sd_notify to a real unix datagram socket that the test owns, standing in for systemd's:
 * the lifecycle of a real process under signals, and the watchdog of an in-process daemon whose loop the test
 * blocks.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SystemdDaemonIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final InProcessDaemons daemons = new InProcessDaemons();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} socket")
    @ValueSource(strings = {"abstract", "path"})
    void readyThenReloadingThenReadyThenStopping(String kind) throws Exception {
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n  - name: web\n    ip: 127.0.0.1\n    ports:\n      - port: 8080\n");
        PortRange range = InProcessDaemons.range(5);
        try (NotifySocket socket = kind.equals("abstract") ? NotifySocket.abstractName() : NotifySocket.path(dir);
             DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                     Map.of("NOTIFY_SOCKET", socket.notifySocket()),
                     "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                     "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                     "--threads", "1", "--api", "unix:" + dir.resolve("api.sock"))) {
            List<String> seen = new ArrayList<>();
            String ready = socket.await(m -> m.contains("READY=1"), WAIT, seen);
            assertEquals("READY=1\nSTATUS=1 mappings, 0 conflicts, 0 errors\n", ready);
            assertTrue(d.listeningTcpPorts().contains(range.start()), "every listener is bound at READY=1");

            long before = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
            d.signal("HUP");
            String reloading = socket.await(m -> m.contains("RELOADING=1"), WAIT, seen);
            long after = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
            assertTrue(reloading.matches("RELOADING=1\nMONOTONIC_USEC=\\d+\n"), reloading);
            long usec = Long.parseLong(reloading.replaceAll("(?s).*MONOTONIC_USEC=(\\d+)\n", "$1"));
            assertTrue(before <= usec && usec <= after, "CLOCK_MONOTONIC: " + before + " <= " + usec + " <= "
                    + after);
            assertEquals("READY=1\nSTATUS=1 mappings, 0 conflicts, 0 errors\n",
                    socket.await(m -> m.contains("READY=1"), WAIT, seen));

            d.signal("TERM");
            String stopping = socket.await(m -> m.contains("STOPPING=1"), WAIT, seen);
            assertTrue(stopping.startsWith("STOPPING=1\nSTATUS=stopping: draining 0 connections"), stopping);
            assertEquals(0, d.waitFor(WAIT), d.output());
            // Nothing but STATUS updates between the four, in that order.
            List<String> lifecycle = seen.stream().filter(m -> !m.startsWith("STATUS=")).toList();
            assertEquals(4, lifecycle.size(), seen.toString());
            assertTrue(d.output().contains("event=reloaded result=ok"), d.output());
        }
    }

    @Test
    void watchdogPingsStopWhileAnEventLoopIsBlockedAndResumeAfter() throws Exception {
        try (NotifySocket socket = NotifySocket.abstractName()) {
            Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(5)).threads(2)
                    .systemd(new SystemdSettings(Optional.of(socket.notifySocket()),
                            Optional.of(Duration.ofMillis(400)))));
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                socket.await(m -> m.equals("WATCHDOG=1\n"), WAIT, seen);
            }
            CountDownLatch blocked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            daemon.loops().loops().get(1).execute(() -> {
                blocked.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                assertTrue(blocked.await(10, TimeUnit.SECONDS));
                // A round that began before the block may still complete: let one period pass, then expect silence
                // for five periods (the watchdog pings every 200 ms while all loops answer).
                Thread.sleep(300);
                socket.drain();
                Thread.sleep(1000);
                List<String> during = socket.drain();
                assertTrue(during.stream().noneMatch(m -> m.contains("WATCHDOG=1")), during.toString());
            } finally {
                release.countDown();
            }
            socket.await(m -> m.equals("WATCHDOG=1\n"), Duration.ofSeconds(5), new ArrayList<>());
            socket.await(m -> m.equals("WATCHDOG=1\n"), Duration.ofSeconds(5), new ArrayList<>());
        }
    }
}
