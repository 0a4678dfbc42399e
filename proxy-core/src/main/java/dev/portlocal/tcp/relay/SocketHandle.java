package dev.portlocal.tcp.relay;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * One socket of a relayed connection, registered with the epoll loop. It remembers the mask last submitted so the
 * relay only calls {@code epoll_ctl} when its wishes change.
 *
 * <p>Threading: event loop only.
 */
final class SocketHandle implements EpollIoHandle {

    private static final Logger log = LoggerFactory.getLogger(SocketHandle.class);

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

    /**
     * Drops the registration. The relay calls it right after {@link #close(boolean)}, on the loop: with the fd
     * closed, Netty removes it from the loop's registration map without an {@code EPOLL_CTL_DEL}.
     */
    void cancel() {
        IoRegistration r = registration;
        registration = null;
        if (r != null) {
            r.cancel();
        }
    }

    /** Closes the socket: normally (FIN), or with {@code reset} by {@code SO_LINGER 0} so the peer gets an RST. */
    void close(boolean reset) {
        if (reset) {
            reset(socket);
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            log.atDebug().setMessage("close_failed").addKeyValue("error", e.getMessage()).log();
        }
    }

    /**
     * A new non-blocking stream socket of {@code target}'s family, or null if the kernel refused one (EMFILE, say):
     * that failure is logged once per episode of this loop, and the recovery once with what was not logged.
     */
    static Socket newStream(LoopResources resources, InetSocketAddress target) {
        Socket socket;
        try {
            socket = LinuxSocket.newSocketStream(target.getAddress() instanceof Inet6Address);
        } catch (RuntimeException e) {
            if (resources.socketFailures.failed()) {
                log.atWarn().setMessage("socket_failed")
                        .addKeyValue("target", target)
                        .addKeyValue("error", e.getMessage())
                        .addKeyValue("action", "reset the client; logged once until a socket succeeds again")
                        .log();
            }
            return null;
        }
        if (resources.socketFailures.failing()) {
            log.atInfo().setMessage("socket_recovered")
                    .addKeyValue("failuresNotLogged", resources.socketFailures.recovered())
                    .log();
        }
        return socket;
    }

    /** The socket's peer ({@code getpeername}), or null if the peer is gone already. */
    static InetSocketAddress peer(Socket socket) {
        try {
            return socket.remoteAddress();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Closes with {@code SO_LINGER 0}, so the peer gets an RST rather than a FIN. */
    static void reset(Socket socket) {
        try {
            socket.setSoLinger(0);
        } catch (IOException ignored) {
            // The socket may already be dead; closing still releases the fd.
        }
        try {
            socket.close();
        } catch (IOException e) {
            log.atDebug().setMessage("close_failed").addKeyValue("error", e.getMessage()).log();
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
