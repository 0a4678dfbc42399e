package dev.portlocal.tcp.conduit;

/**
 * The relay's counters for one event loop: plain fields written only by that loop (by the conduits and the pipe
 * pool), read by others through a snapshot taken on the loop. No atomics on the per-byte path.
 *
 * <p>Threading: event loop only.
 */
public final class RelayCounters {

    private long bytesSpliced;
    private long bytesCopied;
    private long pipesInUse;
    private long pipesCreated;
    private long pipesClosedHoldingData;
    private long switchesToSplice;
    private long switchesToCopy;
    private long fallbackPoolExhausted;
    private long fallbackQuota;
    private long fallbackPipeError;

    public void spliced(int n) {
        bytesSpliced += n;
    }

    void copied(int n) {
        bytesCopied += n;
    }

    /** Pipes held by a direction now. */
    public long pipesInUse() {
        return pipesInUse;
    }

    /** A direction took a pipe; {@code created} if the pool made it for this. */
    public void pipeTaken(boolean created) {
        pipesInUse++;
        if (created) {
            pipesCreated++;
        }
    }

    /** A direction gave its pipe back; {@code holdingData} if it was closed with bytes still in it. */
    public void pipeGivenBack(boolean holdingData) {
        pipesInUse--;
        if (holdingData) {
            pipesClosedHoldingData++;
        }
    }

    public void switchedToSplice() {
        switchesToSplice++;
    }

    public void switchedToCopy() {
        switchesToCopy++;
    }

    public void fallbackPoolExhausted() {
        fallbackPoolExhausted++;
    }

    public void fallbackQuota() {
        fallbackQuota++;
    }

    public void fallbackPipeError() {
        fallbackPipeError++;
    }

    public RelayStats snapshot() {
        return new RelayStats(bytesSpliced, bytesCopied, pipesInUse, pipesCreated, pipesClosedHoldingData,
                switchesToSplice, switchesToCopy, fallbackPoolExhausted, fallbackQuota, fallbackPipeError);
    }
}
