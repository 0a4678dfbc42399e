package dev.portlocal.testing.netns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Carries each connection accepted on one address to another, byte for byte in both directions, half-closes
 * included. Either side may be TCP or a Unix socket; a Unix socket is a file, and files are shared across network
 * namespaces, so two relays joined by one (TCP in a namespace to the socket, the socket to a server on this JVM's
 * loopback) let a namespace reach a server of the test without the host's network namespace getting an address, an
 * interface or a route. The target must be a Unix socket or a loopback address: a relay never sends anything out of
 * what the test created.
 *
 * <p>Threading: one accept thread, and two threads per connection (one per direction), all daemons; {@link #close}
 * from any thread.
 */
public final class Relay implements AutoCloseable {

    /** A Unix socket's path must fit {@code sun_path} with its terminating NUL. */
    static final int MAX_UNIX_PATH = 107;
    private static final int BUFFER = 64 * 1024;

    private final ServerSocketChannel server;
    private final SocketAddress target;
    private final Set<Pair> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Relay(ServerSocketChannel server, SocketAddress target) {
        this.server = server;
        this.target = target;
    }

    /**
     * Listens on {@code listen} (an {@link InetSocketAddress}, or a {@link UnixDomainSocketAddress} whose file must
     * not exist yet) and relays each connection to {@code target}.
     */
    public static Relay start(SocketAddress listen, SocketAddress target) throws IOException {
        requireNonNull(listen, "listen");
        requireNonNull(target, "target");
        checkTarget(target);
        ServerSocketChannel server;
        if (listen instanceof UnixDomainSocketAddress unix) {
            checkPath(unix.getPath());
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } else if (listen instanceof InetSocketAddress) {
            server = ServerSocketChannel.open();
            server.socket().setReuseAddress(true);
        } else {
            throw new IllegalArgumentException("listen: " + listen + " (expected: a TCP or Unix socket address)");
        }
        server.bind(listen);
        Relay relay = new Relay(server, target);
        thread("relay-accept", relay::acceptLoop);
        return relay;
    }

    static void checkTarget(SocketAddress target) {
        if (target instanceof UnixDomainSocketAddress unix) {
            checkPath(unix.getPath());
        } else if (!(target instanceof InetSocketAddress inet) || inet.getAddress() == null
                || !inet.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("target: " + target + " (expected: a Unix socket or a loopback "
                    + "address; a relay sends nothing out of what the test created)");
        }
    }

    private static void checkPath(Path path) {
        int length = path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (length > MAX_UNIX_PATH) {
            throw new IllegalArgumentException("unix socket path: " + path + " (" + length + " bytes; expected: at "
                    + "most " + MAX_UNIX_PATH + ")");
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            SocketChannel out;
            try {
                out = SocketChannel.open(target);
            } catch (IOException e) {
                closeQuietly(in);
                continue; // the client sees the connection close, as a refused upstream looks through a proxy
            }
            Pair pair = new Pair(in, out);
            open.add(pair);
            thread("relay-up", () -> pair.pump(in, out));
            thread("relay-down", () -> pair.pump(out, in));
        }
    }

    /** One relayed connection: closed when both directions have ended, or at once when either fails. */
    private final class Pair {
        private final SocketChannel a;
        private final SocketChannel b;
        private final AtomicInteger ended = new AtomicInteger();

        Pair(SocketChannel a, SocketChannel b) {
            this.a = a;
            this.b = b;
        }

        /** Copies {@code from} to {@code to} until end of stream, then half-closes {@code to}. */
        void pump(SocketChannel from, SocketChannel to) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
                to.shutdownOutput();
                if (ended.incrementAndGet() == 2) {
                    close();
                }
            } catch (IOException e) {
                close();
            }
        }

        void close() {
            closeQuietly(a);
            closeQuietly(b);
            open.remove(this);
        }
    }

    /** Where it accepts (with the port chosen, for a TCP address with port 0). */
    public SocketAddress localAddress() throws IOException {
        return server.getLocalAddress();
    }

    /** How many connections are being relayed now. */
    public int openConnections() {
        return open.size();
    }

    /** Stops accepting, closes every relayed connection and removes its own Unix socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            SocketAddress local = server.getLocalAddress();
            server.close();
            if (local instanceof UnixDomainSocketAddress unix) {
                Files.deleteIfExists(unix.getPath());
            }
        } catch (IOException e) {
            // Closing is best effort; the topology's teardown ends the namespace side anyway.
        }
        for (Pair p : Set.copyOf(open)) {
            p.close();
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // Already closed.
        }
    }

    private static void thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }
}
