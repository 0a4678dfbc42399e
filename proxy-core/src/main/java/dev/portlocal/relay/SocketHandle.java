package dev.portlocal.relay;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;

/**
 * One socket of a relayed connection, registered with the epoll loop. It remembers the mask last submitted so the
 * relay only calls {@code epoll_ctl} when its wishes change.
 *
 * <p>Threading: event loop only.
 */
final class SocketHandle implements EpollIoHandle {

    final Socket socket;
    private final RelayConnection owner;
    private IoRegistration registration;
    private EpollIoOps submitted;

    SocketHandle(Socket socket, RelayConnection owner) {
        this.socket = socket;
        this.owner = owner;
    }

    void registered(IoRegistration registration) {
        this.registration = registration;
    }

    /** Submits {@code ops} unless it is already the current mask. */
    void interest(EpollIoOps ops) {
        if (ops != submitted && registration != null) {
            registration.submit(ops);
            submitted = ops;
        }
    }

    /** Removes the socket from epoll; must precede closing the fd, so a reused fd number is never confused. */
    void cancel() {
        IoRegistration r = registration;
        registration = null;
        if (r != null) {
            r.cancel();
        }
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        owner.onEvent(this, ((EpollIoEvent) event).ops().value());
    }

    /** Called by the event loop when it shuts down with this handle still registered. */
    @Override
    public void close() {
        owner.onLoopShutdown();
    }
}
