package dev.portlocal.testing.netns;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunIdTest {

    @Test
    void namesCarryTheOwnerPidAndRoundTrip() {
        RunId id = new RunId(4242, 0xbeef);
        assertEquals("plnet-4242xbeef", id.toString());
        assertEquals("plnet-4242xbeef-n1-web-0", id.namespace("n1-web-0"));
        assertEquals(Optional.of(id), RunId.ofNamespace(id.namespace("lb")));
        assertEquals(id, RunId.parse(id.toString()));
        assertEquals(ProcessHandle.current().pid(), RunId.generate().ownerPid());
    }

    @Test
    void theSweepTakesOnlyOurPrefixAndOnlyDeadOwners() {
        List<String> existing = List.of("plnet-100x0001-lb", "plnet-100x0001-n1", "plnet-200x0002-lb",
                "plnet-abc-lb", "cni-1234", "plnet-300x00-lb", "other-plnet-100x0001-lb");
        // 100 is dead, 200 is alive; the rest are not ours (malformed or another prefix) whatever their owner.
        assertEquals(List.of("plnet-100x0001-lb", "plnet-100x0001-n1"),
                RunId.leftovers(existing, pid -> pid == 200));
    }

    @Test
    void badIdsAreRefusedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunId.parse("plnet-x"));
        assertTrue(e.getMessage().contains("run id: plnet-x (expected: plnet-<pid>x<4 hex digits>)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RunId(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RunId(1, 0x10000));
    }
}
