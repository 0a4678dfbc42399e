package dev.portlocal.systemd;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SystemdSettingsTest {

    @Test
    void readsTheNotifySocketAndTheWatchdogInterval() {
        SystemdSettings s = SystemdSettings.fromEnvironment(
                Map.of("NOTIFY_SOCKET", "@sd", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42);
        assertEquals(Optional.of("@sd"), s.notifySocket());
        assertEquals(Optional.of(Duration.ofSeconds(30)), s.watchdogInterval());
    }

    @Test
    void theWatchdogOfAnotherProcessOrAnInvalidIntervalIsIgnored() {
        assertEquals(Optional.empty(), SystemdSettings.fromEnvironment(
                Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42).watchdogInterval());
        assertEquals(Optional.empty(), SystemdSettings.fromEnvironment(
                Map.of("WATCHDOG_USEC", "soon"), 42).watchdogInterval());
        assertEquals(Optional.empty(), SystemdSettings.fromEnvironment(
                Map.of("WATCHDOG_USEC", "0"), 42).watchdogInterval());
    }

    @Test
    void withoutSystemdNothingIsSet() {
        assertEquals(SystemdSettings.NONE, SystemdSettings.fromEnvironment(Map.of(), 1));
        assertEquals(SystemdSettings.NONE, SystemdSettings.fromEnvironment(Map.of("NOTIFY_SOCKET", ""), 1));
    }
}
