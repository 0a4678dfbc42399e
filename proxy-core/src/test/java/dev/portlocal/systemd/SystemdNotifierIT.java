package dev.portlocal.systemd;

import dev.portlocal.testing.NotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void withoutANotifySocketEverythingIsANoOp() {
        try (SystemdNotifier notifier = SystemdNotifier.open(SystemdSettings.NONE)) {
            assertFalse(notifier.enabled());
            notifier.ready("x");
            notifier.stopping("x");
        }
    }

    @Test
    void aSocketThatIsGoneDoesNotStopTheDaemon() throws Exception {
        SystemdNotifier notifier = SystemdNotifier.open(
                new SystemdSettings(Optional.of(dir.resolve("absent.sock").toString()), Optional.empty()));
        try (notifier) {
            assertFalse(notifier.enabled());
            notifier.ready("x");
        }
    }
}
