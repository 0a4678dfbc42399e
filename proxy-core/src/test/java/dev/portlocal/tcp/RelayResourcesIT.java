package dev.portlocal.tcp;

import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DirectBuffers;
import dev.portlocal.testing.Fds;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.ProxyUnderTest;
import dev.portlocal.testing.RecordingLeakDetector;
import dev.portlocal.testing.RelayMode;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heavy test of resources: thousands of connections that end every way a connection can end (FIN both ways,
 * client reset, backend reset, refused), after which the process holds exactly the fds and pooled buffers it held
 * before the proxy started.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayResourcesIT {

    private static final int ROUNDS = 10_000;

    @AfterAll
    static void noBufferLeaks() {
        RecordingLeakDetector.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = RelayMode.class, names = {"EPOLL_COPY", "EPOLL_SPLICE", "EPOLL_AUTO", "NIO"})
    void noFdsOrBuffersLeakAfterThousandsOfConnections(RelayMode mode) throws Exception {
        try (BlockingBackend backend = BlockingBackend.start(s -> {
              try {
                byte[] buf = new byte[4096];
                int n = s.getInputStream().read(buf);
                if (n == 4 && buf[0] == 'R' && buf[1] == 'S') {
                    s.setSoLinger(true, 0); // "RST!": the backend resets mid-stream
                    return;
                }
                if (n > 0 && buf[0] == 'B') {
                    // "BULK": answer with 4 MiB, which the client resets halfway through
                    byte[] block = new byte[1 << 20];
                    for (int i = 0; i < 4; i++) {
                        s.getOutputStream().write(block);
                    }
                } else if (n > 0) {
                    s.getOutputStream().write(buf, 0, n);
                }
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
              } catch (IOException resetByClient) {
                // a third of the rounds reset from the client side; the backend sees that reset
              }
            })) {
            // Warm up the backend's threads and the JVM's own lazily opened fds before the baseline.
            exchange(backend.address(), "warm".getBytes());
            int fdsBefore = Fds.open();
            int pipesBefore = Fds.pipes();
            long buffersBefore = DirectBuffers.activeAllocations();

            try (ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address())) {
                InetSocketAddress through = proxy.address();
                for (int i = 0; i < ROUNDS; i++) {
                    switch (i % 4) {
                        case 0:
                            assertEquals("echo", new String(exchange(through, "echo".getBytes())), "round " + i);
                            break;
                        case 1:
                            clientReset(through);
                            break;
                        case 2:
                            backendResets(through);
                            break;
                        default:
                            if (i % 100 == 3) {
                                resetDuringBulkDownload(through);
                            }
                            break;
                    }
                }
                try (ProxyUnderTest refused = ProxyUnderTest.start(mode,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.refused()))) {
                    for (int i = 0; i < 200; i++) {
                        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), refused.address().getPort())) {
                            s.setSoTimeout(5000);
                            s.getInputStream().read();
                        } catch (IOException expected) {
                            // reset by the proxy
                        }
                    }
                    Waits.until("refused relays to close", Duration.ofSeconds(10),
                            () -> refused.activeConnections() == 0);
                }
                Waits.until(() -> "relays to close, active=" + proxy.activeConnections(), Duration.ofSeconds(20),
                        () -> proxy.activeConnections() == 0);
                Waits.until(() -> "pooled buffers back to " + buffersBefore + ", now "
                        + DirectBuffers.activeAllocations(), Duration.ofSeconds(10),
                        () -> DirectBuffers.activeAllocations() == buffersBefore);
            }
            Waits.until(() -> "fds back to " + fdsBefore + ", now " + Fds.open() + ": " + Fds.describe(),
                    Duration.ofSeconds(20),
                    () -> Fds.open() <= fdsBefore);
            assertTrue(Fds.open() <= fdsBefore, "no fd leaked");
            assertEquals(pipesBefore, Fds.pipes(), "no pipe leaked");
            backend.rethrowFailures();
        }
    }

    private static byte[] exchange(InetSocketAddress address, byte[] msg) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(msg);
            s.shutdownOutput();
            return s.getInputStream().readAllBytes();
        }
    }

    private static void clientReset(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 5000);
        s.getOutputStream().write(new byte[10]);
        s.setSoLinger(true, 0);
        s.close();
    }

    /** Reads 1 MiB of a 4 MiB answer, then resets: a pipe may still hold bytes when the relay ends. */
    private static void resetDuringBulkDownload(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write("BULK".getBytes());
        s.getInputStream().readNBytes(1 << 20);
        s.setSoLinger(true, 0);
        s.close();
    }

    private static void backendResets(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("RST!".getBytes());
            s.getInputStream().readAllBytes();
        } catch (IOException expected) {
            // the reset reaches the client, as it should
        }
    }
}
