package dev.portlocal.tcp.relay;

import io.netty.channel.epoll.EpollIoOps;

/**
 * The epoll interest masks the relay submits, built once: {@code EpollIoOps.valueOf} and {@code with} allocate for
 * uncached combinations.
 *
 * <p>Reads and writes are level-triggered, so a round budget can stop early and be woken again. When nothing is
 * wanted we submit {@code EPOLLET} alone, never {@code EpollIoOps.NONE}: Netty 4.2.18 turns NONE into
 * {@code EPOLL_CTL_DEL} but keeps the registration as added, so the next submit fails with ENOENT. Edge-triggered
 * idle also stops a busy loop on EPOLLHUP, which epoll always reports.
 */
final class Interest {

    static final int IN = EpollIoOps.EPOLLIN.value() | EpollIoOps.EPOLLRDHUP.value();
    static final int OUT = EpollIoOps.EPOLLOUT.value();
    static final int IDLE = EpollIoOps.EPOLLET.value();

    static final int EPOLLIN = EpollIoOps.EPOLLIN.value();
    static final int EPOLLOUT = EpollIoOps.EPOLLOUT.value();
    static final int EPOLLERR = EpollIoOps.EPOLLERR.value();
    static final int EPOLLRDHUP = EpollIoOps.EPOLLRDHUP.value();
    /** Netty has no constant for it; the kernel's value. */
    static final int EPOLLHUP = 0x10;

    private static final EpollIoOps OPS_IN = EpollIoOps.valueOf(IN);
    private static final EpollIoOps OPS_OUT = EpollIoOps.valueOf(OUT);
    private static final EpollIoOps OPS_IN_OUT = EpollIoOps.valueOf(IN | OUT);
    private static final EpollIoOps OPS_IDLE = EpollIoOps.valueOf(IDLE);

    private Interest() {
    }

    /** The cached ops for {@code read} and {@code write} wishes. */
    static EpollIoOps of(boolean read, boolean write) {
        if (read) {
            return write ? OPS_IN_OUT : OPS_IN;
        }
        return write ? OPS_OUT : OPS_IDLE;
    }
}
