package dev.portlocal.bench.report;

/**
 * What a target is, for ratios: every figure is compared to {@link #DIRECT}, to the best {@link #PEER} and, when the
 * run has one, to {@link #KERNEL}.
 */
public enum TargetKind {
    /** No proxy: the generator talks to the backend. */
    DIRECT,
    /** portlocal, in one relay mode and thread count. */
    PORTLOCAL,
    /** A proxy portlocal means to beat: HAProxy or nginx. */
    PEER,
    /** NodePortLocal's own data plane, kernel DNAT rules: the anchor for a userspace proxy over veth. */
    KERNEL
}
