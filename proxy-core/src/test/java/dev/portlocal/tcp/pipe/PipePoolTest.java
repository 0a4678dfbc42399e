package dev.portlocal.tcp.pipe;

import dev.portlocal.tcp.conduit.RelayCounters;
import dev.portlocal.testing.Fds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pipe pool on real kernel pipes (no sockets): sizing, reuse, the bound, and closing pipes that hold bytes. */
class PipePoolTest {

    @Test
    void pipesAreSizedWithTheShim() {
        assertTrue(PipeNative.available(), "the JNI shim is built by this build and loads here");
        RelayCounters counters = new RelayCounters();
        PipePool pool = new PipePool(1 << 20, 4, counters);
        Pipe p = pool.acquire();
        assertNotNull(p);
        assertEquals(1 << 20, p.capacity, "F_SETPIPE_SZ took effect");
        assertEquals(1 << 20, PipeNative.getSize(p.writeEnd), "the kernel agrees");
        pool.release(p);
        pool.close();
    }

    @Test
    void anEmptyPipeIsReusedAndTheBoundFallsBackToCopying() {
        RelayCounters counters = new RelayCounters();
        PipePool pool = new PipePool(64 * 1024, 2, counters);
        int pipesBefore = Fds.pipes();
        Pipe a = pool.acquire();
        Pipe b = pool.acquire();
        assertNotNull(a);
        assertNotNull(b);
        assertNull(pool.acquire(), "a third pipe is past the bound");
        assertEquals(1, counters.snapshot().fallbackPoolExhausted());
        assertEquals(2, counters.snapshot().pipesInUse());
        pool.release(a);
        assertSame(a, pool.acquire(), "an empty pipe comes back from the pool");
        assertEquals(2, counters.snapshot().pipesCreated(), "reuse creates nothing");
        pool.release(a);
        pool.release(b);
        assertEquals(0, counters.snapshot().pipesInUse());
        pool.close();
        assertEquals(pipesBefore, Fds.pipes(), "closing the pool closes its idle pipes");
    }

    @Test
    void aPipeHoldingBytesIsClosedNotReused() throws Exception {
        RelayCounters counters = new RelayCounters();
        PipePool pool = new PipePool(64 * 1024, 4, counters);
        int pipesBefore = Fds.pipes();
        Pipe p = pool.acquire();
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocateDirect(100);
        assertEquals(100, p.writeEnd.write(data, 0, 100));
        pool.discard(p);
        assertEquals(1, counters.snapshot().pipesClosedHoldingData());
        assertEquals(pipesBefore, Fds.pipes(), "both ends closed");
        assertTrue(pool.acquire() != p, "never handed out again");
        pool.close();
    }
}
