package dev.portlocal.udp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Session expiry on virtual time. */
class SessionTableTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final SessionTable<String> table = new SessionTable<>(now::get);
    private final long idle = TimeUnit.SECONDS.toNanos(60);
    private final InetSocketAddress a = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1111);
    private final InetSocketAddress b = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2222);

    @Test
    void idleSessionsExpireAndActiveOnesStay() {
        table.put(a, "a");
        table.put(b, "b");
        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertSame("b", table.touch(b), "b is active again at 59 s");
        assertTrue(table.expire(idle).isEmpty(), "nothing is idle for 60 s yet");
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertEquals(List.of("a"), table.expire(idle), "a has been idle for 60 s");
        assertNull(table.touch(a));
        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertEquals(List.of("b"), table.expire(idle));
        assertEquals(0, table.size());
    }

    @Test
    void removeOnlyRemovesTheSameSession() {
        table.put(a, "old");
        table.put(a, "new");
        assertTrue(!table.remove(a, "old"), "a replaced session is not removed by its old owner");
        assertTrue(table.remove(a, "new"));
        assertEquals(0, table.size());
    }
}
