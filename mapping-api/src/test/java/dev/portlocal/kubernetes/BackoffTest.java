package dev.portlocal.kubernetes;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BackoffTest {

    @Test
    void doublesUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(120));
        assertEquals(Duration.ofSeconds(2), backoff.delay(1));
        assertEquals(Duration.ofSeconds(64), backoff.delay(6));
        assertEquals(Duration.ofSeconds(120), backoff.delay(7));
        assertEquals(Duration.ofSeconds(120), backoff.delay(Integer.MAX_VALUE));
    }

    @Test
    void refusesNonsense() {
        assertEquals("min: PT0S (expected: more than 0)", assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).getMessage());
        assertEquals("failures: 0 (expected: 1 or more)", assertThrows(IllegalArgumentException.class,
                () -> Backoff.NPL.delay(0)).getMessage());
    }
}
