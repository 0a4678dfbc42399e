package dev.portlocal.bench.report;

/** What a target is, for ratios: every figure is compared to {@link #DIRECT} and to the best {@link #PEER}. */
public enum TargetKind {
    /** No proxy: the generator talks to the backend. */
    DIRECT,
    /** portlocal, in one relay mode and thread count. */
    PORTLOCAL,
    /** A proxy portlocal means to beat: HAProxy or nginx. */
    PEER
}
