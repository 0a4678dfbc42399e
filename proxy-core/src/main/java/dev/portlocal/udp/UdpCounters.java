package dev.portlocal.udp;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** A UDP mapping's counters, shared by its listeners on every loop. */
public final class UdpCounters {

    /** Sessions open now; also the budget the per-mapping cap is checked against. */
    final AtomicInteger sessions = new AtomicInteger();
    final LongAdder sessionsCreated = new LongAdder();
    final LongAdder sessionsExpired = new LongAdder();
    final LongAdder droppedOverCap = new LongAdder();
    final LongAdder droppedNotAllowed = new LongAdder();
    final LongAdder portUnreachable = new LongAdder();
    final LongAdder datagramsToEndpoint = new LongAdder();
    final LongAdder datagramsToClient = new LongAdder();

    public int sessions() {
        return sessions.get();
    }

    public long sessionsCreated() {
        return sessionsCreated.sum();
    }

    public long sessionsExpired() {
        return sessionsExpired.sum();
    }

    public long droppedOverCap() {
        return droppedOverCap.sum();
    }

    /** Datagrams dropped because the client is outside the mapping's allowFrom. */
    public long droppedNotAllowed() {
        return droppedNotAllowed.sum();
    }

    public long portUnreachable() {
        return portUnreachable.sum();
    }

    public long datagramsToEndpoint() {
        return datagramsToEndpoint.sum();
    }

    public long datagramsToClient() {
        return datagramsToClient.sum();
    }
}
