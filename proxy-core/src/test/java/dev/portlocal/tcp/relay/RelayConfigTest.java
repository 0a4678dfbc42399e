package dev.portlocal.tcp.relay;

import dev.portlocal.tcp.pipe.SplicePolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RelayConfigTest {

    @Test
    void rejectsBadValuesNamingFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RelayConfig.DEFAULT.withConnectTimeout(Duration.ZERO));
        assertEquals("connectTimeout: PT0S (expected: > 0)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.DEFAULT.withPipeSize(100));
        assertEquals("pipeSize: 100 (expected: 4096-67108864)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.DEFAULT.withMaxPipesPerLoop(-1));
        assertEquals("maxPipesPerLoop: -1 (expected: >= 0)", e.getMessage());
    }

    @Test
    void splicePolicyParsesAnyCaseAndNamesBadValues() {
        assertEquals(SplicePolicy.AUTO, SplicePolicy.parse("Auto"));
        assertEquals(SplicePolicy.NEVER, SplicePolicy.parse("never"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SplicePolicy.parse("yes"));
        assertEquals("splice: yes (expected: auto, always or never)", e.getMessage());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        RelayConfig d = RelayConfig.DEFAULT;
        assertEquals(Duration.ofSeconds(3), d.connectTimeout());
        assertEquals(Duration.ofHours(1), d.idleTimeout());
        assertEquals(SplicePolicy.AUTO, d.splicePolicy());
        assertEquals(1 << 20, d.pipeSize());
    }
}
