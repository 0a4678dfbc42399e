package dev.portlocal.health;

import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingState;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor against real endpoints on loopback: a listening socket, then none, then one again. */
@Timeout(60)
class HealthMonitorTest {

    private static final HealthCheck FAST = new HealthCheck(Duration.ofMillis(100), Duration.ofMillis(100), 2, 2);
    private static final MappingKey KEY = new MappingKey("web", 8080, Protocol.TCP, IpFamily.IPv4);

    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final HealthMonitor monitor = new HealthMonitor(Runnable::run,
            (key, target, up) -> events.add(key.endpoint() + " " + target.getPort() + " " + (up ? "up" : "down")));

    @AfterEach
    void close() {
        monitor.close();
    }

    private static MappingStatus status(InetSocketAddress target, Optional<HealthCheck> check, MappingState state) {
        return new MappingStatus(KEY, Source.API, target, OptionalInt.of(61000), state, "", true, check);
    }

    private String next() throws InterruptedException {
        return events.poll(10, TimeUnit.SECONDS);
    }

    @Test
    void anEndpointThatStopsListeningGoesDownAndComesBackUp() throws Exception {
        ServerSocket endpoint = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = endpoint.getLocalPort();
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        monitor.sync(List.of(status(target, Optional.of(FAST), MappingState.LISTENING)));
        waitForProbes(4);
        assertTrue(events.isEmpty(), "a check starts up and stays up while the endpoint answers: " + events);

        endpoint.close();
        assertEquals("web " + port + " down", next());
        long failedBefore = monitor.probesFailed();
        waitForProbes(3);
        assertTrue(monitor.probesFailed() > failedBefore, "it goes on probing while down");
        assertTrue(events.isEmpty(), "one transition, not one line per probe: " + events);

        try (ServerSocket back = new ServerSocket()) {
            back.setReuseAddress(true);
            back.bind(target);
            assertEquals("web " + port + " up", next());
        }
    }

    @Test
    void onlyMappingsThatHoldAPortAndHaveACheckAreProbed() throws Exception {
        InetSocketAddress refused = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
        monitor.sync(List.of(status(refused, Optional.empty(), MappingState.LISTENING),
                new MappingStatus(KEY, Source.API, refused, OptionalInt.empty(), MappingState.ERROR, "no port", true,
                        Optional.of(FAST))));
        Thread.sleep(500); // a span in which nothing may be probed; the next step shows the monitor is live
        assertEquals(0, monitor.probesOk() + monitor.probesFailed());

        monitor.sync(List.of(status(refused, Optional.of(FAST), MappingState.LISTENING)));
        assertEquals("web " + refused.getPort() + " down", next());
        monitor.sync(List.of());
        long probes = monitor.probesOk() + monitor.probesFailed();
        Thread.sleep(500);
        assertTrue(monitor.probesOk() + monitor.probesFailed() <= probes + 1, "stopped after sync without it");
        assertNull(events.poll());
    }

    @Test
    void aNewTargetStartsAfreshUp() throws Exception {
        InetSocketAddress refused = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
        monitor.sync(List.of(status(refused, Optional.of(FAST), MappingState.LISTENING)));
        assertEquals("web " + refused.getPort() + " down", next());
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            InetSocketAddress moved = new InetSocketAddress(InetAddress.getLoopbackAddress(), other.getLocalPort());
            monitor.sync(List.of(status(moved, Optional.of(FAST), MappingState.ENDPOINT_DOWN)));
            waitForProbes(3);
            assertNull(events.poll(), "the new target starts up and stays up: no transition to report");
        }
    }

    private void waitForProbes(int n) throws InterruptedException {
        long start = monitor.probesOk() + monitor.probesFailed();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (monitor.probesOk() + monitor.probesFailed() < start + n) {
            assertTrue(System.nanoTime() < deadline, "probes run");
            Thread.sleep(20);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
