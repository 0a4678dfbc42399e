package dev.portlocal.allocator;

import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntPredicate;

import static dev.portlocal.model.IpFamily.IPv4;
import static dev.portlocal.model.IpFamily.IPv6;
import static dev.portlocal.model.Protocol.TCP;
import static dev.portlocal.model.Protocol.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortAllocatorTest {

    private static final IntPredicate ALWAYS_BINDS = port -> true;

    private final PortAllocator allocator = new PortAllocator(new PortRange(61000, 61004));

    /** A fake bind: refuses the ports another process holds and records every attempt. */
    private static final class FakeBind implements IntPredicate {
        final Set<Integer> takenByOthers;
        final List<Integer> attempts = new ArrayList<>();

        FakeBind(Integer... takenByOthers) {
            this.takenByOthers = Set.of(takenByOthers);
        }

        @Override
        public boolean test(int port) {
            attempts.add(port);
            return !takenByOthers.contains(port);
        }
    }

    private int allocate(Protocol protocol, IpFamily family) {
        return allocator.allocate(protocol, family, ALWAYS_BINDS).orElseThrow();
    }

    @Test
    void handsOutPortsInOrderFromTheCursor() {
        assertEquals(61000, allocate(TCP, IPv4));
        assertEquals(61001, allocate(TCP, IPv4));
        assertEquals(61002, allocate(TCP, IPv4));
        assertTrue(allocator.isHeld(TCP, IPv4, 61001));
        assertEquals(2, allocator.free(TCP, IPv4));
    }

    @Test
    void freedPortIsNotReusedAtOnce() {
        assertEquals(61000, allocate(TCP, IPv4));
        assertEquals(61001, allocate(TCP, IPv4));
        allocator.release(TCP, IPv4, 61000);

        assertFalse(allocator.isHeld(TCP, IPv4, 61000));
        assertEquals(61002, allocate(TCP, IPv4), "the cursor moves on past the freed port");
    }

    @Test
    void cursorWrapsToTheStartOfTheRange() {
        for (int port = 61000; port <= 61004; port++) {
            assertEquals(port, allocate(TCP, IPv4));
        }
        allocator.release(TCP, IPv4, 61001);
        allocator.release(TCP, IPv4, 61003);

        assertEquals(61001, allocate(TCP, IPv4), "wrapped around to the first free port");
        assertEquals(61003, allocate(TCP, IPv4));
    }

    @Test
    void skipsPortsAnotherProcessHolds() {
        FakeBind bind = new FakeBind(61000, 61001);

        assertEquals(OptionalInt.of(61002), allocator.allocate(TCP, IPv4, bind));
        assertEquals(List.of(61000, 61001, 61002), bind.attempts);
        assertFalse(allocator.isHeld(TCP, IPv4, 61000), "a refused port stays free in the allocator");
        assertEquals(4, allocator.free(TCP, IPv4));
    }

    @Test
    void neverOffersHeldPortsToTryBind() {
        allocator.claim(TCP, IPv4, 61000);
        allocator.claim(TCP, IPv4, 61002);
        FakeBind bind = new FakeBind(61001);

        assertEquals(OptionalInt.of(61003), allocator.allocate(TCP, IPv4, bind));
        assertEquals(List.of(61001, 61003), bind.attempts);
    }

    @Test
    void exhaustedRangeReturnsEmptyAfterOneWalk() {
        for (int i = 0; i < 3; i++) {
            allocate(TCP, IPv4);
        }
        FakeBind bind = new FakeBind(61003, 61004);

        assertEquals(OptionalInt.empty(), allocator.allocate(TCP, IPv4, bind));
        assertEquals(List.of(61003, 61004), bind.attempts, "each candidate is tried exactly once");
        assertEquals(OptionalInt.empty(), new PortAllocator(new PortRange(61000, 61004))
                .allocate(TCP, IPv4, port -> false));
    }

    @Test
    void fullRangeIsExhausted() {
        for (int i = 0; i < 5; i++) {
            allocate(UDP, IPv6);
        }
        assertEquals(0, allocator.free(UDP, IPv6));
        assertEquals(OptionalInt.empty(), allocator.allocate(UDP, IPv6, ALWAYS_BINDS));
    }

    @Test
    void claimMarksASpecificPortHeldOnce() {
        assertTrue(allocator.claim(TCP, IPv4, 61003));
        assertFalse(allocator.claim(TCP, IPv4, 61003), "already held");
        assertTrue(allocator.isHeld(TCP, IPv4, 61003));

        allocator.release(TCP, IPv4, 61003);
        assertTrue(allocator.claim(TCP, IPv4, 61003));
    }

    @Test
    void claimOutsideTheRangeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> allocator.claim(TCP, IPv4, 62000));
        assertEquals("nodePort: 62000 (expected: inside port range 61000-61004)", e.getMessage());
        assertFalse(allocator.isHeld(TCP, IPv4, 62000));
        allocator.release(TCP, IPv4, 62000);
    }

    @Test
    void spacesAreSeparatePerProtocolAndFamily() {
        assertTrue(allocator.claim(TCP, IPv4, 61000));
        assertTrue(allocator.claim(UDP, IPv4, 61000));
        assertTrue(allocator.claim(TCP, IPv6, 61000));
        assertTrue(allocator.claim(UDP, IPv6, 61000));

        assertEquals(61001, allocate(TCP, IPv4));
        assertEquals(61001, allocate(UDP, IPv4), "UDP has its own cursor");
        assertEquals(61001, allocate(TCP, IPv6), "IPv6 has its own cursor");
        allocator.release(TCP, IPv4, 61000);
        assertTrue(allocator.isHeld(UDP, IPv4, 61000));
        assertTrue(allocator.isHeld(TCP, IPv6, 61000));
        assertEquals(4, allocator.free(TCP, IPv4));
        assertEquals(3, allocator.free(TCP, IPv6));
        assertEquals(4, allocator.free(UDP, IPv6));
    }

    @Test
    void reservedPortsAreNeverAllocatedButCanBeClaimed() {
        allocator.reserve(TCP, IPv4, 61000);
        allocator.reserve(TCP, IPv4, 61001);
        FakeBind bind = new FakeBind();

        assertEquals(OptionalInt.of(61002), allocator.allocate(TCP, IPv4, bind));
        assertEquals(List.of(61002), bind.attempts);
        assertEquals(2, allocator.free(TCP, IPv4));
        assertTrue(allocator.isReserved(TCP, IPv4, 61000));

        assertTrue(allocator.claim(TCP, IPv4, 61000), "the pinned mapping claims its reserved port");
        assertEquals(2, allocator.free(TCP, IPv4), "held and reserved counts once");

        allocator.unreserve(TCP, IPv4, 61001);
        assertFalse(allocator.isReserved(TCP, IPv4, 61001));
        assertEquals(OptionalInt.of(61003), allocator.allocate(TCP, IPv4, ALWAYS_BINDS));
        assertEquals(OptionalInt.of(61004), allocator.allocate(TCP, IPv4, ALWAYS_BINDS));
        assertEquals(OptionalInt.of(61001), allocator.allocate(TCP, IPv4, ALWAYS_BINDS), "wraps to the unreserved");
    }

    @Test
    void reservationIsPerSpace() {
        allocator.reserve(TCP, IPv4, 61000);
        assertEquals(61000, allocate(UDP, IPv4));
        assertEquals(61000, allocate(TCP, IPv6));
        assertEquals(61001, allocate(TCP, IPv4));
    }

    @Test
    void singlePortRange() {
        PortAllocator one = new PortAllocator(new PortRange(61000, 61000));
        assertEquals(OptionalInt.of(61000), one.allocate(TCP, IPv4, ALWAYS_BINDS));
        assertEquals(OptionalInt.empty(), one.allocate(TCP, IPv4, ALWAYS_BINDS));
        one.release(TCP, IPv4, 61000);
        assertEquals(OptionalInt.of(61000), one.allocate(TCP, IPv4, ALWAYS_BINDS));
    }
}
