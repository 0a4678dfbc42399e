package dev.portlocal.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What systemd told the service through its environment.
 *
 * @param notifySocket     {@code $NOTIFY_SOCKET}: a path, or {@code @name} for an abstract socket; empty when the
 *                         service is not {@code Type=notify} (or not under systemd)
 * @param watchdogInterval {@code $WATCHDOG_USEC}, when {@code $WATCHDOG_PID} is unset or names this process; the
 *                         watchdog pings at half of it
 */
public record SystemdSettings(Optional<String> notifySocket, Optional<Duration> watchdogInterval) {

    /** Not under systemd: every notification is a no-op. */
    public static final SystemdSettings NONE = new SystemdSettings(Optional.empty(), Optional.empty());

    public SystemdSettings {
        requireNonNull(notifySocket, "notifySocket");
        requireNonNull(watchdogInterval, "watchdogInterval");
        if (notifySocket.isPresent() && notifySocket.get().isEmpty()) {
            notifySocket = Optional.empty();
        }
        if (watchdogInterval.isPresent() && (watchdogInterval.get().isZero() || watchdogInterval.get().isNegative())) {
            throw new IllegalArgumentException("watchdogInterval: " + watchdogInterval.get() + " (expected: > 0)");
        }
    }

    /**
     * Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from {@code env}. An invalid
     * {@code WATCHDOG_USEC} is ignored, as sd_watchdog_enabled(3) does.
     */
    public static SystemdSettings fromEnvironment(Map<String, String> env, long pid) {
        Optional<String> socket = Optional.ofNullable(env.get("NOTIFY_SOCKET"));
        Optional<Duration> watchdog = Optional.empty();
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec != null && (forPid == null || forPid.equals(Long.toString(pid)))) {
            try {
                long micros = Long.parseLong(usec.trim());
                if (micros > 0) {
                    watchdog = Optional.of(Duration.ofNanos(Math.multiplyExact(micros, 1000L)));
                }
            } catch (NumberFormatException | ArithmeticException e) {
                watchdog = Optional.empty();
            }
        }
        return new SystemdSettings(socket, watchdog);
    }
}
