package dev.portlocal.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatagramWindowTest {

    private static final long TIMEOUT = 200;

    @Test
    void anEchoFreesItsSlotAndGivesTheRoundTrip() {
        DatagramWindow w = new DatagramWindow(2, TIMEOUT);
        long a = w.send(0, 1_000);
        long b = w.send(1, 1_010);
        assertEquals(2, w.inFlight());
        assertEquals(40, w.echoed(1, b, 1_050));
        assertEquals(25, w.echoed(0, a, 1_025));
        assertEquals(0, w.inFlight());
    }

    @Test
    void sequenceNumbersAreUniqueAcrossSlots() {
        DatagramWindow w = new DatagramWindow(2, TIMEOUT);
        assertEquals(0, w.send(0, 0));
        assertEquals(1, w.send(1, 0));
        w.echoed(0, 0, 5);
        assertEquals(2, w.send(0, 5));
    }

    @Test
    void aDatagramNotEchoedWithinTheTimeoutIsLostOnceAndItsSlotFreed() {
        DatagramWindow w = new DatagramWindow(3, TIMEOUT);
        w.send(0, 0);
        w.send(1, 100);
        w.send(2, 150);
        int[] freed = new int[3];
        assertEquals(0, w.expire(200, freed), "exactly the timeout is not yet lost");
        assertEquals(1, w.expire(201, freed));
        assertEquals(0, freed[0]);
        assertEquals(2, w.inFlight());
        assertEquals(0, w.expire(201, freed), "counted once");
        assertEquals(2, w.expire(1_000, freed));
        assertArrayEquals(new int[] {1, 2}, new int[] {freed[0], freed[1]});
        assertEquals(0, w.inFlight());
    }

    @Test
    void anEchoAfterTheLossIsLateNotEchoedAndDoesNotFreeTheNewDatagram() {
        DatagramWindow w = new DatagramWindow(1, TIMEOUT);
        long lost = w.send(0, 0);
        w.expire(300, new int[1]);
        assertEquals(DatagramWindow.LATE, w.echoed(0, lost, 310), "slot free: late");
        long next = w.send(0, 320);
        assertEquals(DatagramWindow.LATE, w.echoed(0, lost, 330), "slot retaken: still late");
        assertEquals(1, w.inFlight());
        assertEquals(10, w.echoed(0, next, 330));
    }

    @Test
    void aDuplicateEchoIsLate() {
        DatagramWindow w = new DatagramWindow(1, TIMEOUT);
        long s = w.send(0, 0);
        assertEquals(5, w.echoed(0, s, 5));
        assertEquals(DatagramWindow.LATE, w.echoed(0, s, 6));
    }

    @Test
    void echoesOfDatagramsNeverSentAreInvalid() {
        DatagramWindow w = new DatagramWindow(2, TIMEOUT);
        long s = w.send(0, 0);
        assertEquals(DatagramWindow.INVALID, w.echoed(2, s, 1), "no such slot");
        assertEquals(DatagramWindow.INVALID, w.echoed(-1, s, 1), "no such slot");
        assertEquals(DatagramWindow.INVALID, w.echoed(0, s + 1, 1), "not sent yet");
        assertEquals(DatagramWindow.INVALID, w.echoed(0, -5, 1));
        assertEquals(1, w.inFlight());
    }

    @Test
    void aClockStepBackwardsIsAZeroRoundTrip() {
        DatagramWindow w = new DatagramWindow(1, TIMEOUT);
        long s = w.send(0, 100);
        assertEquals(0, w.echoed(0, s, 90));
    }

    @Test
    void rejectsATakenSlotAndBadArguments() {
        DatagramWindow w = new DatagramWindow(1, TIMEOUT);
        w.send(0, 0);
        assertThrows(IllegalStateException.class, () -> w.send(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DatagramWindow(0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> new DatagramWindow(1, 0));
    }
}
