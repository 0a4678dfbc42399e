package dev.portlocal.testing;

import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;

/** Live allocations in the pooled allocator's direct arenas: every conduit buffer the relay took and not gave back. */
public final class DirectBuffers {

    private DirectBuffers() {
    }

    public static long activeAllocations() {
        long n = 0;
        for (PoolArenaMetric arena : PooledByteBufAllocator.DEFAULT.metric().directArenas()) {
            n += arena.numActiveAllocations();
        }
        return n;
    }
}
