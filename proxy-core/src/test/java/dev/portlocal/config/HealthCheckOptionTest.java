package dev.portlocal.config;

import dev.portlocal.model.HealthCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The daemon's default health check: the same object and rules as a port entry's, in the config and as a flag. */
class HealthCheckOptionTest {

    @TempDir
    Path dir;

    private OptionValues config(String yaml) throws IOException {
        Path file = dir.resolve("portlocal.yaml");
        Files.writeString(file, yaml);
        return DaemonOptions.FILE.read(file);
    }

    @Test
    void theConfigFileWritesItAsAPortEntryDoes() throws IOException {
        assertEquals(new HealthCheck(Duration.ofMillis(500), Duration.ofMillis(200), 3, 1),
                config("healthCheck: {interval: 500ms, timeout: 200ms, rise: 3, fall: 1}\n")
                        .get(DaemonOptions.HEALTH_CHECK));
        assertEquals(HealthCheck.DEFAULT, config("healthCheck: {}\n").get(DaemonOptions.HEALTH_CHECK));
        assertEquals(null, config("threads: 2\n").get(DaemonOptions.HEALTH_CHECK));
    }

    @Test
    void theFlagTakesTheSameObjectInFlowStyle() {
        assertEquals(new HealthCheck(Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 4),
                DaemonOptions.HEALTH_CHECK.fromFlag(List.of("{interval: 5s, fall: 4}")));
        assertEquals(HealthCheck.DEFAULT, DaemonOptions.HEALTH_CHECK.fromFlag(List.of("{}")));
        assertEquals("{interval: 2s, timeout: 1s, rise: 2, fall: 2}",
                DaemonOptions.HEALTH_CHECK.format(HealthCheck.DEFAULT));
    }

    @Test
    void aBadValueNamesTheFieldAndTheValue() throws IOException {
        InvalidConfigException bad = assertThrows(InvalidConfigException.class,
                () -> config("healthCheck: {interval: 50ms}\n"));
        assertEquals(List.of(dir.resolve("portlocal.yaml") + ": healthCheck.interval: 50ms (expected: a duration "
                + "from 100ms to 1h)"), bad.errors());
        InvalidConfigException unknown = assertThrows(InvalidConfigException.class,
                () -> config("healthCheck: {every: 2s}\n"));
        assertEquals(1, unknown.errors().size(), unknown.errors().toString());
        assertEquals(true, unknown.errors().get(0).contains("healthCheck.every"), unknown.errors().toString());
        InvalidConfigException scalar = assertThrows(InvalidConfigException.class,
                () -> config("healthCheck: true\n"));
        assertEquals(List.of(dir.resolve("portlocal.yaml") + ": healthCheck: true (expected: a mapping)"),
                scalar.errors());
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> DaemonOptions.HEALTH_CHECK.fromFlag(List.of("{rise: 0}")));
        assertEquals("--health-check.rise: 0 (expected: an integer, 1-100)", flag.getMessage());
        IllegalArgumentException notYaml = assertThrows(IllegalArgumentException.class,
                () -> DaemonOptions.HEALTH_CHECK.fromFlag(List.of("interval=2s")));
        assertEquals("--health-check: interval=2s (expected: a YAML mapping, as {a: 1})", notYaml.getMessage());
    }
}
