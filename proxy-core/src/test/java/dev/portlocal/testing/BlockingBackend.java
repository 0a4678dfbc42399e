package dev.portlocal.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP server on loopback, port 0, running a blocking handler on a thread per connection. Failures inside
 * handlers are captured and rethrown on the test thread by {@link #rethrowFailures()} (and by {@link #close()}).
 */
public final class BlockingBackend implements AutoCloseable {

    /** What the server does with each accepted connection. */
    @FunctionalInterface
    public interface Handler {
        void handle(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "backend-worker");
        t.setDaemon(true);
        return t;
    });
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    private BlockingBackend(InetAddress bind, Handler handler) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, 0), 4096);
        acceptor = new Thread(() -> acceptLoop(handler), "backend-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static BlockingBackend start(Handler handler) throws IOException {
        return new BlockingBackend(InetAddress.getLoopbackAddress(), handler);
    }

    public static BlockingBackend start(InetAddress bind, Handler handler) throws IOException {
        return new BlockingBackend(bind, handler);
    }

    private void acceptLoop(Handler handler) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            workers.execute(() -> {
                try (Socket socket = s) {
                    handler.handle(socket);
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public int accepted() {
        return accepted.get();
    }

    public List<Throwable> failures() {
        return failures;
    }

    public void rethrowFailures() {
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("backend handler failed: " + failures.get(0), failures.get(0));
            for (int i = 1; i < failures.size(); i++) {
                e.addSuppressed(failures.get(i));
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
