package dev.portlocal.systemd;

import dev.portlocal.testing.LogCapture;
import dev.portlocal.testing.NotifySocket;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notifier against a real unix datagram socket owned by the test, standing in for systemd's. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SystemdNotifierIT {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} socket")
    @ValueSource(strings = {"abstract", "path"})
    void eachMessageIsOneDatagramOfKeyValueLines(String kind) throws Exception {
        try (NotifySocket socket = kind.equals("abstract") ? NotifySocket.abstractName() : NotifySocket.path(dir);
             SystemdNotifier notifier = SystemdNotifier.open(
                     new SystemdSettings(Optional.of(socket.notifySocket()), Optional.empty()))) {
            assertTrue(notifier.enabled());
            notifier.ready("2 mappings, 0 conflicts, 0 errors");
            long before = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
            notifier.reloading();
            long after = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
            notifier.status("multi\nline");
            notifier.watchdog();
            notifier.stopping("bye");
            assertEquals("READY=1\nSTATUS=2 mappings, 0 conflicts, 0 errors\n", socket.next(WAIT));
            String reloading = socket.next(WAIT);
            assertTrue(reloading.startsWith("RELOADING=1\nMONOTONIC_USEC="), reloading);
            long usec = Long.parseLong(reloading.substring(reloading.lastIndexOf('=') + 1).trim());
            assertTrue(before <= usec && usec <= after, before + " <= " + usec + " <= " + after);
            assertEquals("STATUS=multi line\n", socket.next(WAIT));
            assertEquals("WATCHDOG=1\n", socket.next(WAIT));
            assertEquals("STOPPING=1\nSTATUS=bye\n", socket.next(WAIT));
        }
    }

    @ParameterizedTest(name = "{0} socket")
    @ValueSource(strings = {"abstract", "path"})
    void theWatchdogSendsWatchdogDatagramsWhileEveryWatchedExecutorAnswers(String kind) throws Exception {
        try (NotifySocket socket = kind.equals("abstract") ? NotifySocket.abstractName() : NotifySocket.path(dir);
             SystemdNotifier notifier = SystemdNotifier.open(
                     new SystemdSettings(Optional.of(socket.notifySocket()), Optional.empty()))) {
            notifier.ready("up");
            assertEquals("READY=1\nSTATUS=up\n", socket.next(WAIT));
            try (Watchdog watchdog = Watchdog.start(notifier, Duration.ofMillis(200), List.of(Runnable::run))) {
                assertNotNull(watchdog, "a notify socket is set: the watchdog runs");
                for (int i = 0; i < 3; i++) {
                    assertEquals("WATCHDOG=1\n", socket.next(WAIT), "ping " + i);
                }
            }
            socket.drain();
            notifier.stopping("bye");
            List<String> seen = new ArrayList<>();
            socket.await(m -> m.startsWith("STOPPING=1\n"), WAIT, seen);
            assertEquals("STOPPING=1\nSTATUS=bye\n", seen.get(seen.size() - 1));
        }
    }

    private static boolean notifierThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("portlocal-systemd"));
    }

    @Test
    void withoutANotifySocketEverythingIsANoOp() throws Exception {
        Waits.until("notifier threads of earlier tests to end", WAIT, () -> !notifierThreadAlive());
        try (LogCapture logs = LogCapture.start();
             SystemdNotifier notifier = SystemdNotifier.open(SystemdSettings.NONE)) {
            assertFalse(notifier.enabled());
            assertNull(notifier.loop(), "no event loop");
            notifier.ready("x");
            notifier.reloading();
            notifier.status("x");
            notifier.watchdog();
            notifier.stopping("x");
            assertNull(Watchdog.start(notifier, Duration.ofSeconds(1), List.of(Runnable::run)), "no watchdog");
            assertFalse(notifierThreadAlive(), "nothing was started");
            assertEquals(0, logs.count("sd_notify_unavailable") + logs.count("sd_notify_failed"),
                    "not being under systemd is not worth a warning");
        }
    }

    @Test
    void aSocketMissingAtStartDisablesTheNotifierWithOneWarning() throws Exception {
        Path absent = dir.resolve("absent.sock");
        try (LogCapture logs = LogCapture.start()) {
            SystemdNotifier notifier = SystemdNotifier.open(
                    new SystemdSettings(Optional.of(absent.toString()), Optional.empty()));
            try (notifier) {
                assertFalse(notifier.enabled());
                notifier.ready("x");
                notifier.stopping("x");
            }
            assertEquals(1, logs.count("sd_notify_unavailable"));
            assertEquals(0, logs.count("sd_notify_failed"), "disabled: it does not even try");
            Waits.until("the notifier's loop to end", WAIT, () -> !notifierThreadAlive());
        }
    }

    @ParameterizedTest(name = "{0} socket")
    @ValueSource(strings = {"abstract", "path"})
    void aSocketThatGoesAwayDoesNotStopTheDaemon(String kind) throws Exception {
        NotifySocket socket = kind.equals("abstract") ? NotifySocket.abstractName() : NotifySocket.path(dir);
        try (LogCapture logs = LogCapture.start();
             SystemdNotifier notifier = SystemdNotifier.open(
                     new SystemdSettings(Optional.of(socket.notifySocket()), Optional.empty()))) {
            try (socket) {
                assertTrue(notifier.enabled());
                notifier.ready("before");
                assertEquals("READY=1\nSTATUS=before\n", socket.next(WAIT));
            }
            // systemd went away: each send fails, returns, and the failure is logged once, not per message.
            for (int i = 0; i < 5; i++) {
                notifier.status("after " + i);
            }
            notifier.watchdog();
            notifier.stopping("bye");
            assertEquals(1, logs.count("sd_notify_failed"), "one warning for the episode");
            assertTrue(notifier.enabled());
        }
    }
}
