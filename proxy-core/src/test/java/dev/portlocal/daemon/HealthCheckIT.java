package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node port behaves like the endpoint for a load balancer's TCP health check. The real daemon maps an echo
 * endpoint with {@code healthCheck: {interval: 500ms, timeout: 250ms, rise: 2, fall: 2}}; a checker connects
 * through the node port every 200 ms as an LB would. When the endpoint dies the node port refuses (the mapping is
 * {@code endpoint-down}, the port still held so nothing else can take it); when it comes back on the same port the
 * node port accepts and relays again. No check is accepted while the endpoint is down after the first refusal, and
 * a connection relayed before the endpoint stopped listening is not cut by the pause. The detection times are
 * written to {@code target/health-check.txt}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HealthCheckIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CHECK_EVERY = Duration.ofMillis(200);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "transport {0}")
    @ValueSource(strings = {"epoll", "nio"})
    void theNodePortRefusesWhileTheEndpointIsDownAndAcceptsOnceItIsBack(String transport) throws Exception {
        int backendPort = FreePorts.next();
        int apiPort = FreePorts.next();
        PortRange range = InProcessDaemons.range(5);
        int nodePort = range.start();
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n  - name: web\n    ip: 127.0.0.1\n    ports:\n"
                + "      - port: " + backendPort + "\n        nodePort: " + nodePort + "\n"
                + "        healthCheck: {interval: 500ms, timeout: 250ms, rise: 2, fall: 2}\n");
        HttpClient http = HttpClient.newHttpClient();
        URI status = URI.create("http://127.0.0.1:" + apiPort + "/v1/mappings");
        StringBuilder report = new StringBuilder();

        Echo echo = Echo.start(backendPort);
        try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                "run", "--mappings", mappings.toString(), "--port-range", range.toString(),
                "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                "--threads", "2", "--api", "127.0.0.1:" + apiPort, "--transport", transport)) {
            d.awaitOutput("event=started", Duration.ofSeconds(30));
            Waits.until("the mapping serves", Duration.ofSeconds(10), () -> echoes(nodePort));
            assertEquals("listening", state(http, status), d.output());
            Socket held = new Socket(InetAddress.getLoopbackAddress(), nodePort);
            held.setSoTimeout(5000);
            assertEquals(7, roundTrip(held, 7), "a relayed connection before the endpoint dies");

            // The endpoint stops listening (its established connections go on): the checker sees refusals, and then
            // only refusals.
            long diedAt = System.nanoTime();
            echo.stopListening();
            List<Check> checks = new ArrayList<>();
            long refusedAt = checkUntil(nodePort, Check.REFUSED, checks, Duration.ofSeconds(15));
            assertTrue(refusedAt > 0, "the node port refuses once the endpoint is down; checks: " + checks);
            assertEquals("endpoint-down", state(http, status), d.output());
            assertTrue(!d.listeningTcpPorts().contains(nodePort),
                    "nothing listens on the held port: " + d.listeningTcpPorts());
            assertEquals(9, roundTrip(held, 9), "the connection relayed before is not cut by the pause");
            assertTrue(portTaken(nodePort), "the port stays held: another socket cannot bind it");
            checks.clear();
            for (int i = 0; i < 10; i++) {
                checks.add(check(nodePort));
                Thread.sleep(CHECK_EVERY.toMillis());
            }
            assertTrue(checks.stream().allMatch(c -> c == Check.REFUSED),
                    "every check refused while the endpoint is down: " + checks);
            report.append(transport).append(" refusedAfterDeathMs ")
                    .append(TimeUnit.NANOSECONDS.toMillis(refusedAt - diedAt))
                    .append('\n');

            // The endpoint comes back on the same port: the node port accepts and relays again.
            long backAt = System.nanoTime();
            echo.close();
            echo = Echo.start(backendPort);
            long acceptedAt = checkUntil(nodePort, Check.ACCEPTED, checks, Duration.ofSeconds(15));
            assertTrue(acceptedAt > 0, "the node port accepts once the endpoint is back; checks: " + checks);
            Waits.until("relays again", Duration.ofSeconds(5), () -> echoes(nodePort));
            assertEquals("listening", state(http, status), d.output());
            report.append(transport).append(" acceptedAfterReturnMs ")
                    .append(TimeUnit.NANOSECONDS.toMillis(acceptedAt - backAt))
                    .append('\n');
            report.append("checkEveryMs ").append(CHECK_EVERY.toMillis())
                    .append(" interval 500ms timeout 250ms rise 2 fall 2\n");

            held.close();
            assertTrue(d.output().contains("event=mapping_health_changed"), d.output());
            assertTrue(d.output().contains("event=listener_held"), d.output());
            assertTrue(d.output().contains("event=listener_resumed"), d.output());
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("portlocal_health_transitions_total 2"), metrics);
        } finally {
            echo.close();
        }
        Files.writeString(Path.of("target", "health-check.txt"), report.toString(), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * Checks every 200 ms until a check comes out as {@code want}; returns when (nanoTime), or 0 on timeout.
     * Records every check.
     */
    private static long checkUntil(int port, Check want, List<Check> checks, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Check c = check(port);
            checks.add(c);
            if (c == want) {
                return System.nanoTime();
            }
            Thread.sleep(CHECK_EVERY.toMillis());
        }
        return 0;
    }

    /** What an LB's TCP check through the node port sees. */
    enum Check {
        /** The handshake completed: the check passes. */
        ACCEPTED,
        /** The SYN was answered with a reset: nothing listens. */
        REFUSED,
        /**
         * The handshake completed and the proxy reset the connection before connect() returned (its connect to a
         * dead endpoint failed): what the node port did before the health check noticed.
         */
        RESET
    }

    private static Check check(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return Check.ACCEPTED;
        } catch (ConnectException e) {
            return Check.REFUSED;
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return Check.RESET;
            }
            throw new AssertionError("a check neither accepted nor refused", e);
        } catch (IOException e) {
            throw new AssertionError("a check neither accepted nor refused", e);
        }
    }

    private static boolean echoes(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            return roundTrip(s, 42) == 42;
        } catch (IOException e) {
            return false;
        }
    }

    private static int roundTrip(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    private static boolean portTaken(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String state(HttpClient http, URI status) throws IOException, InterruptedException {
        JsonNode list = JSON.readTree(http.send(HttpRequest.newBuilder(status).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(1, list.size(), list.toString());
        return list.get(0).get("state").asText();
    }

    /** An echo endpoint on a fixed port that can die and come back on the same port. */
    private static final class Echo implements AutoCloseable {

        private final ServerSocket server;
        private final List<Socket> accepted = new ArrayList<>();

        private Echo(ServerSocket server) {
            this.server = server;
        }

        static Echo start(int port) throws IOException {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Echo echo = new Echo(server);
            Thread t = new Thread(echo::serve, "echo-" + port);
            t.setDaemon(true);
            t.start();
            return echo;
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread t = new Thread(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream();
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the endpoint died under it
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** Closes the listening socket only: connections already accepted go on. */
        void stopListening() throws IOException {
            server.close();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }
}
