package dev.portlocal.bench.load;

import dev.portlocal.bench.backend.BackendServer;
import dev.portlocal.bench.load.BulkWorkload.Direction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every workload, briefly, against the harness's own backends on 127.0.0.1 (ports chosen by the kernel). */
@Timeout(60)
class WorkloadsIT {

    private static BackendServer backend;
    private static LoadGenerator generator;
    private static final Window SHORT = new Window(Duration.ofMillis(100), Duration.ofMillis(300), () -> -1);
    /**
     * Connection setup costs the most per request, and on a loaded machine (a CI runner, helpers building beside it)
     * 300 ms saw no connection complete once: this workload gets a longer window, still bounded.
     */
    private static final Window CONNECTIONS = new Window(Duration.ofMillis(200), Duration.ofMillis(1500), () -> -1);

    @BeforeAll
    static void start() throws Exception {
        backend = BackendServer.start(InetAddress.getLoopbackAddress(), 0, 0, 0, 0, 1);
        generator = new LoadGenerator(1);
    }

    @AfterAll
    static void stop() {
        generator.close();
        backend.close();
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    @Test
    void bulkMovesBytesBothWays() throws Exception {
        BulkWorkload bulk = new BulkWorkload(generator);
        BulkWorkload.Result up = bulk.run(local(backend.sinkPort()), Direction.UPLOAD, 2, SHORT);
        BulkWorkload.Result down = bulk.run(local(backend.sourcePort()), Direction.DOWNLOAD, 1, SHORT);
        assertTrue(up.bytes() > 1 << 20, "upload bytes " + up.bytes());
        assertTrue(down.bytes() > 1 << 20, "download bytes " + down.bytes());
        assertTrue(Double.isNaN(up.measured().cpuSeconds()), "no proxy, no CPU figure");
    }

    @Test
    void keepAliveClosedAndOpenLoop() throws Exception {
        KeepAliveWorkload keepAlive = new KeepAliveWorkload(generator);
        RequestResult closed = keepAlive.run(local(backend.httpPort()), 4, OptionalDouble.empty(), SHORT);
        assertTrue(closed.latencies().getTotalCount() > 100, "closed-loop requests " + closed.latencies());
        assertEquals(0, closed.errors());

        RequestResult open = keepAlive.run(local(backend.httpPort()), 4, OptionalDouble.of(2_000), SHORT);
        // Paced at 2,000 req/s, where a closed loop does tens of thousands: the schedule, not the server, bounds it.
        // Only the upper bound is asserted; how far a busy machine lags behind is not a property of the code.
        assertTrue(open.latencies().getTotalCount() > 0, "open-loop requests " + open.latencies());
        assertTrue(open.perSecond() < 2_400, "open-loop rate stays under its schedule: " + open.perSecond());
        assertEquals(0, open.errors());
    }

    @Test
    void connectionPerRequest() throws Exception {
        RequestResult r = new ConnectionPerRequestWorkload(generator).run(local(backend.httpPort()), 4, CONNECTIONS);
        assertTrue(r.latencies().getTotalCount() > 20, "connections " + r.latencies().getTotalCount());
        assertEquals(0, r.errors());
    }

    @Test
    void idleConnectionsAreHeldWhileProbing() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        IdleConnectionsWorkload.Result r = new IdleConnectionsWorkload(generator).run(local(backend.sinkPort()),
                300, 50, 10_000, baseline -> {
                    long n = probes.incrementAndGet();
                    assertEquals(n == 1, baseline, "the first reading is the baseline");
                    return new IdleConnectionsWorkload.MemorySample(n * 1_000L, n * 600L, baseline ? 500 : 800);
                });
        assertEquals(300, r.opened());
        assertEquals(2, probes.get());
        assertEquals(1_000.0 / 300, r.kibPerConnection(), 1e-9);
        assertEquals(600.0 / 300, r.pssKibPerConnection(), 1e-9);
        assertEquals(300.0 / 300, r.afterGcKibPerConnection(), 1e-9);
    }

    @Test
    void udpThroughputAndRequestResponseAreEchoed() throws Exception {
        UdpEchoWorkload udp = new UdpEchoWorkload(generator);
        Duration lossTimeout = Duration.ofMillis(500);
        for (int size : new int[] {64, 1400}) {
            UdpResult r = udp.run(local(backend.udpEchoPort()), new UdpEchoWorkload.Shape(4, 8, size, lossTimeout),
                    SHORT);
            assertTrue(r.echoed() > 0, size + " B echoed " + r.echoed());
            assertEquals(0, r.errors(), size + " B errors");
            // Counters and histogram are read a few microseconds apart while echoes still arrive: nearly equal.
            assertEquals(r.echoed(), r.latencies().getTotalCount(), 16 + r.echoed() / 100.0, "one latency per echo");
        }
        UdpResult rr = udp.run(local(backend.udpEchoPort()), new UdpEchoWorkload.Shape(4, 1, 64, lossTimeout),
                SHORT);
        assertTrue(rr.echoed() > 0, "request/response echoed " + rr.echoed());
        assertEquals(0, rr.errors());
        assertTrue(Double.isNaN(rr.cpuMicrosPerDatagram()), "no proxy, no CPU figure");
    }

    @Test
    void udpToAPortWithoutListenerCountsErrorsAndLossesNotEchoes() throws Exception {
        int closed;
        try (DatagramSocket s = new DatagramSocket(local(0))) {
            closed = s.getLocalPort(); // Freed again when the try block ends: nothing listens there.
        }
        UdpResult r = new UdpEchoWorkload(generator).run(local(closed),
                new UdpEchoWorkload.Shape(2, 2, 64, Duration.ofMillis(20)), SHORT);
        assertEquals(0, r.echoed());
        assertTrue(r.errors() > 0, "ICMP port unreachable is an error: " + r);
        assertTrue(r.lost() > 0, "unanswered datagrams are lost: " + r);
    }

    @Test
    void refusesNonLoopbackTargets() {
        InetSocketAddress remote = new InetSocketAddress("192.0.2.1", 80); // TEST-NET-1, never contacted
        assertThrows(IllegalArgumentException.class, () -> new BulkWorkload(generator)
                .run(remote, Direction.UPLOAD, 1, SHORT));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionPerRequestWorkload(generator)
                .run(remote, 1, SHORT));
        assertThrows(IllegalArgumentException.class, () -> new UdpEchoWorkload(generator)
                .run(remote, new UdpEchoWorkload.Shape(1, 1, 64, Duration.ofMillis(200)), SHORT));
    }
}
