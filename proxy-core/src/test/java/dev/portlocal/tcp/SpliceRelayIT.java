package dev.portlocal.tcp;

import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.pipe.PipeNative;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.Patterns;
import dev.portlocal.testing.ProxyUnderTest;
import dev.portlocal.testing.RecordingLeakDetector;
import dev.portlocal.testing.RelayMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The splice conduit under pressure: bulk-then-FIN with backpressure, repeated, in every splice policy and with pipes
 * forced down to the 8 KiB the quota falls back to; and proof from the counters that bulk bytes really are spliced.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SpliceRelayIT {

    private static final long MIB = 1024 * 1024;
    private static final long SIZE = 256 * MIB;
    private static final int RUNS = 20;

    @AfterAll
    static void noBufferLeaks() {
        RecordingLeakDetector.assertNoLeaks();
    }

    /**
     * The client sends 256 MiB and shuts down its output; the backend reads slowly at first (backpressure all the way
     * back to the client), then fast, then replies with the SHA-256 of what it got. Twenty times, 0 bytes lost.
     */
    @ParameterizedTest
    @EnumSource(value = RelayMode.class, names = {"EPOLL_SPLICE", "EPOLL_AUTO", "EPOLL_COPY"})
    void bulkThenFinWithBackpressureLosesNothing(RelayMode mode) throws Exception {
        runBulkThenFin(mode, RelayConfig.DEFAULT);
    }

    @ParameterizedTest
    @EnumSource(value = RelayMode.class, names = {"EPOLL_SPLICE", "EPOLL_AUTO"})
    void bulkThenFinWithEightKiBPipesLosesNothing(RelayMode mode) throws Exception {
        runBulkThenFin(mode, RelayConfig.DEFAULT.withPipeSize(8192));
    }

    private static void runBulkThenFin(RelayMode mode, RelayConfig relay) throws Exception {
        byte[] expected = Patterns.expected(31, SIZE);
        try (BlockingBackend backend = BlockingBackend.start(SpliceRelayIT::slowThenFastDigest);
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address(), relay, Duration.ofSeconds(5))) {
            for (int run = 0; run < RUNS; run++) {
                try (Socket client = connect(proxy.address())) {
                    Patterns.send(client.getOutputStream(), 31, SIZE);
                    client.shutdownOutput();
                    byte[] answer = client.getInputStream().readAllBytes();
                    assertArrayEquals(expected, answer, mode + " run " + run + ": digest of 256 MiB after FIN");
                }
            }
            backend.rethrowFailures();
            RelayStats stats = proxy.dataPlane().relayStats();
            assertEquals(0, stats.pipesInUse(), "no pipe held after the connections ended: " + stats);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RelayMode.class, names = {"EPOLL_SPLICE", "EPOLL_AUTO"})
    void bulkBytesAreSplicedNotCopied(RelayMode mode) throws Exception {
        assertTrue(PipeNative.available(), "the pipe shim is built and loads on this machine");
        RelayStats stats = oneBulkUpload(mode);
        assertTrue(stats.bytesSpliced() >= SIZE * 9 / 10,
                mode + ": at least 90% of a 256 MiB upload spliced: " + stats);
        assertTrue(stats.pipesCreated() > 0, "pipes were created: " + stats);
        if (mode == RelayMode.EPOLL_AUTO) {
            assertTrue(stats.switchesToSplice() >= 1, "auto switched to splice on the bulk stream: " + stats);
            assertTrue(stats.bytesCopied() > 0, "auto started by copying: " + stats);
        }
    }

    @Test
    void neverSplicesWhenToldNever() throws Exception {
        RelayStats stats = oneBulkUpload(RelayMode.EPOLL_COPY);
        assertEquals(0, stats.bytesSpliced(), stats.toString());
        assertEquals(0, stats.pipesCreated(), stats.toString());
        assertTrue(stats.bytesCopied() >= SIZE, stats.toString());
    }

    private static RelayStats oneBulkUpload(RelayMode mode) throws Exception {
        try (BlockingBackend backend = BlockingBackend.start(SpliceRelayIT::slowThenFastDigest);
             ProxyUnderTest proxy = ProxyUnderTest.start(mode, backend.address())) {
            try (Socket client = connect(proxy.address())) {
                Patterns.send(client.getOutputStream(), 32, SIZE);
                client.shutdownOutput();
                assertArrayEquals(Patterns.expected(32, SIZE), client.getInputStream().readAllBytes());
            }
            backend.rethrowFailures();
            return proxy.dataPlane().relayStats();
        }
    }

    /** Reads the first 8 MiB slowly, the rest at full speed, then answers with the SHA-256. */
    private static void slowThenFastDigest(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        MessageDigest md = Patterns.sha256();
        byte[] small = new byte[16 * 1024];
        long total = 0;
        while (total < 8 * MIB) {
            int n = in.read(small);
            if (n < 0) {
                break;
            }
            md.update(small, 0, n);
            total += n;
            if ((total / small.length) % 64 == 0) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
        byte[] big = new byte[256 * 1024];
        int n;
        while ((n = in.read(big)) >= 0) {
            md.update(big, 0, n);
        }
        s.getOutputStream().write(md.digest());
        s.shutdownOutput();
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 5000);
        s.setSoTimeout(60_000);
        return s;
    }
}
