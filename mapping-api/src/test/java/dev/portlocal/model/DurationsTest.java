package dev.portlocal.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {

    @Test
    void formatWritesWhatParseReads() {
        for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(1500), Duration.ofSeconds(30),
                Duration.ofSeconds(90), Duration.ofMinutes(5), Duration.ofHours(24), Duration.ofMinutes(61))) {
            assertEquals(d, Durations.parse("d", Durations.format(d)), Durations.format(d));
        }
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("5m", Durations.format(Duration.ofMinutes(5)));
        assertEquals("24h", Durations.format(Duration.ofHours(24)));
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("PT0.000000001S", Durations.format(Duration.ofNanos(1)));
        assertEquals("PT-1S", Durations.format(Duration.ofSeconds(-1)));
    }

    @Test
    void parseNamesTheFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("idleTimeout", "soon"));
        assertEquals("idleTimeout: soon (expected: a duration such as 500ms, 30s, 5m, 1h)", e.getMessage());
    }
}
