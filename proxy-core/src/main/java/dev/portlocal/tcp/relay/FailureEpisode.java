package dev.portlocal.tcp.relay;

/**
 * A run of failures of one kind on one event loop (accepts, or endpoint sockets, at the fd limit), so that the log
 * says when it starts and when it ends, not every time: at the limit a loop would otherwise write a line per
 * attempt. The caller logs the first failure ({@link #failed} is true), and on the next success the end with the
 * count of failures it did not log ({@link #recovered}). The counters of the metrics still count every failure.
 *
 * <p>Threading: the loop's thread only.
 */
public final class FailureEpisode {

    private boolean failing;
    private long unlogged;

    /** Records a failure; true if it starts an episode and is to be logged. */
    public boolean failed() {
        if (failing) {
            unlogged++;
            return false;
        }
        failing = true;
        return true;
    }

    /**
     * Records a success; ends the episode if one is on.
     *
     * @return the failures of the episode after its first (not logged), or -1 when no episode was on
     */
    public long recovered() {
        if (!failing) {
            return -1;
        }
        failing = false;
        long n = unlogged;
        unlogged = 0;
        return n;
    }

    /** True while failures are not followed by a success yet. */
    public boolean failing() {
        return failing;
    }
}
