package dev.portlocal.tcp.conduit;

/**
 * A snapshot of the relay's counters, summed over loops.
 *
 * @param bytesSpliced            bytes written to a socket from a pipe (splice)
 * @param bytesCopied             bytes written to a socket from a buffer (copy)
 * @param pipesInUse              pipes held by a direction now (they hold bytes)
 * @param pipesCreated            pipes created since start
 * @param pipesClosedHoldingData  pipes closed, never reused, because bytes were still in them
 * @param switchesToSplice        directions that switched from copy to splice
 * @param switchesToCopy          directions that switched back from splice to copy
 * @param fallbackPoolExhausted   fills that copied because the pipe pool was at its bound
 * @param fallbackQuota           fills that copied because the per-user pipe quota was reached (EPERM)
 * @param fallbackPipeError       fills that copied because a pipe could not be created
 */
public record RelayStats(long bytesSpliced, long bytesCopied, long pipesInUse, long pipesCreated,
                         long pipesClosedHoldingData, long switchesToSplice, long switchesToCopy,
                         long fallbackPoolExhausted, long fallbackQuota, long fallbackPipeError) {

    public static final RelayStats ZERO = new RelayStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public RelayStats plus(RelayStats o) {
        return new RelayStats(bytesSpliced + o.bytesSpliced, bytesCopied + o.bytesCopied,
                pipesInUse + o.pipesInUse, pipesCreated + o.pipesCreated,
                pipesClosedHoldingData + o.pipesClosedHoldingData, switchesToSplice + o.switchesToSplice,
                switchesToCopy + o.switchesToCopy, fallbackPoolExhausted + o.fallbackPoolExhausted,
                fallbackQuota + o.fallbackQuota, fallbackPipeError + o.fallbackPipeError);
    }
}
