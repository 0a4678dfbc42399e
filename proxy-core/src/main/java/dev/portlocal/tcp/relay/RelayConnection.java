package dev.portlocal.tcp.relay;

import dev.portlocal.model.ProxyProtocol;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One proxied TCP connection on Linux: the accepted client socket, our own connection to the endpoint, and the two
 * {@link Direction}s between them, all driven by epoll events on one loop.
 *
 * <p>Lifecycle: connecting (only the endpoint socket is watched, for EPOLLOUT) → relaying → done when both
 * directions have forwarded their FIN, or aborted on any error, in which case both sockets are reset
 * ({@code SO_LINGER 0}) so an RST on one side becomes an RST on the other.
 *
 * <p>With a PROXY protocol version, the connected endpoint first gets the header ({@link PendingHeader}).
 *
 * <p>Threading: everything runs on {@link #loop}. {@link #start} and {@link #forceClose} may be called from
 * elsewhere; they hop onto the loop.
 */
public final class RelayConnection implements RelayedConnection {

    private static final Logger log = LoggerFactory.getLogger(RelayConnection.class);

    private final IoEventLoop loop;
    private final RelayConfig config;
    private final AccessLog accessLog;
    private final ConnectionTracker tracker;
    private final InetSocketAddress target;
    private final LoopResources resources;
    /** The connect and idle timeouts and whether the access log has a line, the mapping's as it was accepted. */
    private final ConnectionPolicy policy;
    private final boolean logged;
    /** The PROXY protocol version to write first, or null for none. */
    private final ProxyProtocol proxyProtocol;
    private final SocketHandle client;
    private final SocketHandle backend;
    private final Direction upstream;
    private final Direction downstream;

    private boolean connected;
    /** The PROXY protocol header until it is all written; null when there is none (left). */
    private PendingHeader header;
    private boolean closed;
    private ScheduledFuture<?> timer;
    private long lastActivityNanos;
    private long connectStartNanos;
    /** With the access log: the client's address, and why the connection ended (set once, at the end). */
    private InetSocketAddress clientAddress;
    private String end;

    private RelayConnection(LoopResources resources, ConnectionTracker tracker, Socket clientSocket,
                            Socket backendSocket, ConnectionPolicy policy) {
        this.loop = resources.loop();
        this.resources = resources;
        this.policy = policy;
        this.logged = policy.logsTo(resources.accessLog());
        this.proxyProtocol = policy.mapping().proxyProtocol().orElse(null);
        this.config = resources.config();
        this.accessLog = resources.accessLog();
        this.tracker = tracker;
        this.target = policy.mapping().target();
        this.client = new SocketHandle(clientSocket, this);
        this.backend = new SocketHandle(backendSocket, this);
        this.upstream = new Direction(client, backend, resources);
        this.downstream = new Direction(backend, client, resources);
        upstream.pairWith(downstream);
        downstream.pairWith(upstream);
    }

    /**
     * Takes ownership of an accepted client socket, admitted by {@code tracker}, and starts connecting to the
     * policy's target; once connected, writes the mapping's PROXY protocol header first, if it has one. Must be
     * called on the resources' loop. Never throws: on any failure the client is reset.
     */
    public static void start(LoopResources resources, ConnectionTracker tracker, Socket clientSocket,
                             ConnectionPolicy policy) {
        assert resources.loop().inEventLoop();
        Socket backendSocket = SocketHandle.newStream(resources, policy.mapping().target());
        if (backendSocket == null) {
            tracker.abandoned();
            SocketHandle.reset(clientSocket);
            return;
        }
        RelayConnection c = new RelayConnection(resources, tracker, clientSocket, backendSocket, policy);
        if (c.logged) {
            c.clientAddress = SocketHandle.peer(clientSocket);
        }
        c.connect();
    }

    /**
     * Refuses an accepted client socket at once, before any connect to the endpoint: an RST ({@code SO_LINGER 0}),
     * counted by {@code tracker}, and an access-log line when the policy has one ({@code client} is read only then).
     */
    public static void refuse(LoopResources resources, ConnectionTracker tracker, ConnectionPolicy policy,
                              Socket clientSocket, String reason, Supplier<InetSocketAddress> client) {
        tracker.refused(reason);
        if (policy.logsTo(resources.accessLog())) {
            resources.accessLog().refused(policy.mapping(), client.get(), reason);
        }
        SocketHandle.reset(clientSocket);
    }

    private void connect() {
        tracker.opened(this);
        connectStartNanos = System.nanoTime();
        try {
            register(client);
            register(backend);
            // The client inherited TCP_NODELAY from the listening socket. It joins epoll only once the endpoint
            // answers: until then its bytes wait in the kernel, and the connect timeout bounds the wait.
            backend.socket.setTcpNoDelay(true);
            config.keepalive().apply(backend.socket); // the client inherited it from the listener too
            if (backend.socket.connect(target)) {
                onConnected();
            } else {
                backend.interest(Interest.of(false, true));
                // One timer per connection: once connected, this one becomes the first idle check (onTimer).
                timer = loop.schedule(this::onTimer, policy.connectTimeoutNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (IOException | RuntimeException e) {
            connectFailed(e);
        }
    }

    private void register(SocketHandle handle) {
        Future<IoRegistration> f = loop.register(handle);
        // On the loop thread registration completes on return, with no syscall until the first submit.
        if (!f.isSuccess()) {
            throw new IllegalStateException("register failed", f.cause());
        }
        handle.registered(f.getNow());
    }

    private void onConnected() throws IOException {
        connected = true;
        lastActivityNanos = System.nanoTime();
        tracker.connected(lastActivityNanos - connectStartNanos);
        // The connect timer fires at connectStart + connectTimeout. If that is no later than the first idle deadline,
        // keep it as the first idle check (it re-arms for what is left of the idle timeout): a connection then costs
        // one timer, not a cancel and a second schedule. Otherwise, or with no timer (connect() returned at once),
        // schedule the idle check now.
        long connectDeadline = connectStartNanos + policy.connectTimeoutNanos();
        if (timer == null || connectDeadline - (lastActivityNanos + policy.idleTimeoutNanos()) > 0) {
            cancelTimer();
            scheduleIdleCheck(policy.idleTimeoutNanos());
        }
        if (proxyProtocol != null) {
            header = PendingHeader.of(resources, proxyProtocol, client.socket);
            if (header == null) {
                abort("reset"); // the client reset before the endpoint answered
                return;
            }
            if (!header.writeTo(backend)) {
                return;
            }
            header = null;
        }
        pumpAll();
    }

    /** The connect timeout while connecting; the idle check once connected. */
    private void onTimer() {
        if (closed) {
            return;
        }
        if (connected) {
            onIdleCheck();
            return;
        }
        connectFailed(ConnectFailure.TIMEOUT,
                new IOException("connect timed out after " + policy.connectTimeoutNanos() / 1_000_000 + " ms"));
    }

    private void connectFailed(Exception e) {
        connectFailed(ConnectFailure.of(e), e);
    }

    private void connectFailed(ConnectFailure reason, Exception e) {
        tracker.connectFailed(reason);
        if (log.isDebugEnabled()) {
            log.atDebug().setMessage("connect_failed")
                    .addKeyValue("target", target)
                    .addKeyValue("error", e.getMessage())
                    .log();
        }
        abort("connect_" + reason.label());
    }

    /** Dispatch from a {@link SocketHandle}. */
    void onEvent(SocketHandle handle, int ops) {
        if (closed) {
            return;
        }
        try {
            if (!connected) {
                // Only the endpoint's socket is in epoll while connecting.
                if (backend.socket.finishConnect()) {
                    onConnected();
                }
                return;
            }
            if ((ops & Interest.EPOLLERR) != 0) {
                abort("reset");
                return;
            }
            if (header != null) {
                // Only the endpoint's socket is watched, for EPOLLOUT, until the header is all written.
                if (handle == backend && header.writeTo(backend)) {
                    header = null;
                    pumpAll();
                }
                return;
            }
            // Pump only the directions this event concerns: readable src, or writable dst. A one-way bulk flow then
            // costs no read on the idle direction per wakeup.
            Direction reading = handle == client ? upstream : downstream;
            Direction writing = handle == client ? downstream : upstream;
            if ((ops & (Interest.EPOLLRDHUP | Interest.EPOLLHUP)) != 0) {
                reading.srcHungUp = true;
            }
            boolean moved = false;
            if ((ops & (Interest.EPOLLIN | Interest.EPOLLRDHUP | Interest.EPOLLHUP)) != 0) {
                moved = reading.pump();
            }
            if ((ops & (Interest.EPOLLOUT | Interest.EPOLLHUP)) != 0) {
                moved |= writing.pump();
            }
            afterPump(moved);
        } catch (IOException | RuntimeException e) {
            if (!connected) {
                connectFailed(e);
            } else {
                if (log.isDebugEnabled()) {
                    log.atDebug().setMessage("relay_error")
                            .addKeyValue("target", target)
                            .addKeyValue("error", e.getMessage())
                            .log();
                }
                abort("reset");
            }
        }
    }

    private void pumpAll() throws IOException {
        boolean moved = upstream.pump();
        moved |= downstream.pump();
        afterPump(moved);
    }

    private void afterPump(boolean moved) {
        if (moved) {
            lastActivityNanos = System.nanoTime();
        }
        if (end == null && logged) {
            // Whoever's FIN was forwarded first ended the connection.
            end = upstream.finished() ? "client_fin" : downstream.finished() ? "backend_fin" : null;
        }
        if (upstream.finished() && downstream.finished()) {
            finish(null);
            return;
        }
        client.interest(Interest.of(upstream.wantsRead(), downstream.wantsWrite()));
        backend.interest(Interest.of(downstream.wantsRead(), upstream.wantsWrite()));
    }

    private void scheduleIdleCheck(long delayNanos) {
        timer = loop.schedule(this::onIdleCheck, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onIdleCheck() {
        if (closed) {
            return;
        }
        long idle = System.nanoTime() - lastActivityNanos;
        long limit = policy.idleTimeoutNanos();
        if (idle >= limit) {
            log.atDebug().setMessage("idle_timeout").addKeyValue("target", target).log();
            finish("idle_timeout");
        } else {
            scheduleIdleCheck(limit - idle);
        }
    }

    /** Resets both sides now. Safe from any thread. */
    @Override
    public void forceClose() {
        if (loop.inEventLoop()) {
            abort("drain");
        } else {
            loop.execute(() -> abort("drain"));
        }
    }

    /** Bytes forwarded client → endpoint, and endpoint → client. Event loop only. */
    @Override
    public long bytesUp() {
        return upstream.bytes;
    }

    @Override
    public long bytesDown() {
        return downstream.bytes;
    }

    public IoEventLoop loop() {
        return loop;
    }

    @Override
    public boolean inEventLoop() {
        return loop.inEventLoop();
    }

    /** Both FINs forwarded, or idle: close normally. {@code why} is for the access log (null: the FIN seen first). */
    private void finish(String why) {
        closeAll(false, why);
    }

    /** An error, a refused connect, a forced close: reset both sides. */
    private void abort(String why) {
        closeAll(true, why);
    }

    void onLoopShutdown() {
        closeAll(true, "drain");
    }

    private void closeAll(boolean reset, String why) {
        if (closed) {
            return;
        }
        closed = true;
        if (why != null) {
            end = why;
        }
        cancelTimer();
        if (header != null) {
            header.release();
            header = null;
        }
        upstream.release();
        downstream.release();
        // Close first, then cancel: closing a socket takes it out of the epoll set, and Netty's cancel sends
        // EPOLL_CTL_DEL only for an fd still open, so this saves two syscalls per connection. Cancel then drops
        // the fd number from this loop's registration map. Both run here, with no event of this loop in between, so
        // no registration of this loop can take the number first.
        client.close(reset);
        backend.close(reset);
        client.cancel();
        backend.cancel();
        tracker.closed(this);
        if (logged) {
            accessLog.ended(tracker, clientAddress, connectStartNanos, upstream, downstream, end);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
