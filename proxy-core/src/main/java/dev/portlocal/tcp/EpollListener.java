package dev.portlocal.tcp;

import dev.portlocal.tcp.relay.ConnectionPolicy;
import dev.portlocal.tcp.relay.FailureEpisode;
import dev.portlocal.tcp.relay.LoopResources;
import dev.portlocal.tcp.relay.RelayConnection;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.NativeInetAddress;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One listening socket of a mapping, on one event loop. Accepts with {@code accept4} (non-blocking, close-on-exec)
 * and hands each socket to a {@link RelayConnection} on the same loop, so a connection never changes thread. A
 * client outside the mapping's {@code allowFrom}, or past its {@code maxConnections}, is reset at once instead,
 * before any connect to the endpoint.
 *
 * <p>We accept on our own handle rather than through an {@code EpollServerSocketChannel}: no child channel or
 * pipeline is built per connection only to be thrown away, and closing the listener is a plain fd close on its loop.
 *
 * <p>Threading: event loop only, except {@link #closeSync()}.
 */
final class EpollListener implements EpollIoHandle {

    private static final Logger log = LoggerFactory.getLogger(EpollListener.class);
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final EpollIoOps ACCEPT = EpollIoOps.EPOLLIN;
    private static final EpollIoOps PAUSED = EpollIoOps.EPOLLET;

    private final Socket socket;
    private final IoEventLoop loop;
    private final TcpMapping mapping;
    private final LoopResources resources;
    private final byte[] addressScratch = new byte[26];
    private IoRegistration registration;
    private boolean closed;

    EpollListener(Socket socket, LoopResources resources, TcpMapping mapping) {
        this.socket = socket;
        this.loop = resources.loop();
        this.mapping = mapping;
        this.resources = resources;
    }

    /** Registers with the loop and starts accepting; blocks until done. */
    void startSync() throws Exception {
        loop.submit(() -> {
            registration = loop.register(this).sync().getNow();
            registration.submit(ACCEPT);
            return null;
        }).sync();
    }

    /** Stops accepting and closes the socket; blocks until done. Connections already accepted go on. */
    void closeSync() {
        if (loop.isShuttingDown()) {
            closeNow();
            return;
        }
        loop.submit(this::closeNow).syncUninterruptibly();
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        if (registration != null) {
            registration.cancel();
        }
        try {
            socket.close();
        } catch (IOException e) {
            log.atDebug().setMessage("listener_close_failed").addKeyValue("error", e.getMessage()).log();
        }
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        for (int i = 0; i < ACCEPTS_PER_EVENT && !closed; i++) {
            int fd;
            try {
                fd = socket.accept(addressScratch);
            } catch (IOException e) {
                pauseAfter(e);
                return;
            }
            if (fd < 0) {
                return;
            }
            FailureEpisode failures = resources.acceptFailures();
            if (failures.failing()) {
                log.atInfo().setMessage("accept_recovered")
                        .addKeyValue("nodePort", mapping.nodePort())
                        .addKeyValue("failuresNotLogged", failures.recovered())
                        .log();
            }
            // One read: target, header, allowFrom, cap and timeouts of the same version. The client's address is
            // matched on the bytes accept wrote to the scratch array: no getpeername, no InetSocketAddress.
            ConnectionPolicy policy = mapping.policy();
            String refusal = policy.allowsAccepted(addressScratch) ? mapping.admit(policy)
                    : ConnectionPolicy.NOT_ALLOWED;
            if (refusal != null) {
                RelayConnection.refuse(resources, mapping, policy, new Socket(fd), refusal,
                        () -> NativeInetAddress.address(addressScratch, 1, addressScratch[0]));
                continue;
            }
            RelayConnection.start(resources, mapping, new Socket(fd), policy);
        }
    }

    /**
     * Out of fds (EMFILE/ENFILE) or another accept error: a level-triggered listener would spin, so stop watching
     * for 100 ms, then resume.
     */
    private void pauseAfter(IOException e) {
        mapping.acceptErrors.increment();
        if (resources.acceptFailures().failed()) {
            log.atWarn().setMessage("accept_failed")
                    .addKeyValue("nodePort", mapping.nodePort())
                    .addKeyValue("error", e.getMessage())
                    .addKeyValue("action", "pause_100ms; logged once until an accept succeeds again")
                    .log();
        }
        registration.submit(PAUSED);
        loop.schedule(() -> {
            if (!closed) {
                registration.submit(ACCEPT);
            }
        }, 100, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closeNow();
    }
}
