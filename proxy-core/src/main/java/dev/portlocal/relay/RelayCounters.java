package dev.portlocal.relay;

/**
 * The relay's counters for one event loop: plain fields written only by that loop, read by others through
 * {@link LoopResources#snapshot()}, which runs on the loop. No atomics on the per-byte path.
 */
final class RelayCounters {

    long bytesSpliced;
    long bytesCopied;
    long pipesInUse;
    long pipesCreated;
    long pipesClosedHoldingData;
    long switchesToSplice;
    long switchesToCopy;
    long fallbackPoolExhausted;
    long fallbackQuota;
    long fallbackPipeError;

    RelayStats snapshot() {
        return new RelayStats(bytesSpliced, bytesCopied, pipesInUse, pipesCreated, pipesClosedHoldingData,
                switchesToSplice, switchesToCopy, fallbackPoolExhausted, fallbackQuota, fallbackPipeError);
    }
}
