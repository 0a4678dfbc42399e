package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Patterns;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real daemon process, driven through its mapping file: the node-local property (a node port listens if and
 * only if a mapping holds it), live removal, restart with the same ports, and bad input.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DaemonIT {

    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** A sub-range of the default range, so runs do not trip over each other's leftovers. */
    private static int[] range(int size) {
        int start = 61000 + ThreadLocalRandom.current().nextInt(0, 1000 - size);
        return new int[] {start, start + size - 1};
    }

    private BlockingBackend greeter(String name) throws IOException {
        BlockingBackend b = BlockingBackend.start(s -> {
            s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.getInputStream().transferTo(s.getOutputStream());
        });
        cleanup.add(b);
        return b;
    }

    private static String entry(String name, InetSocketAddress target, Integer pinned) {
        return "  - name: " + name + "\n"
                + "    ip: " + target.getAddress().getHostAddress() + "\n"
                + "    ports:\n"
                + "      - port: " + target.getPort() + "\n"
                + "        protocol: tcp\n"
                + (pinned == null ? "" : "        nodePort: " + pinned + "\n");
    }

    /** Replaces the file the way editors do: write a temp file, rename it over. */
    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private DaemonProcess daemon(Path mappings, int[] range, String logName) throws IOException {
        DaemonProcess d = DaemonProcess.start(dir.resolve(logName),
                "run", "--mappings", mappings.toString(),
                "--port-range", range[0] + "-" + range[1],
                "--listen-address", "127.0.0.1",
                "--state-dir", dir.resolve("state").toString(),
                "--threads", "2",
                "--drain-timeout", "5s",
                // A unix socket keeps the API out of the TCP ports these tests count, and never collides.
                "--api", "unix:" + dir.resolve(logName + ".sock"));
        cleanup.add(d);
        return d;
    }

    @Test
    void aDualStackEndpointGetsIndependentNodePortsPerFamily() throws Exception {
        int[] range = range(10);
        // One backend socket on :: takes both families on the same port, as a dual-stack pod does.
        BlockingBackend both = BlockingBackend.start(InetAddress.getByName("::"), s -> {
            // Java shows an IPv4 client on a dual-stack socket as an Inet4Address.
            String family = s.getInetAddress() instanceof Inet6Address ? "v6\n" : "v4\n";
            s.getOutputStream().write(family.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.getInputStream().transferTo(s.getOutputStream());
        });
        cleanup.add(both);
        int backendPort = both.address().getPort();
        try (ServerSocket squatter = new ServerSocket()) {
            // IPv4's first port is taken; IPv6's is free: the families allocate independently.
            squatter.setReuseAddress(true);
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), range[0]));
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n"
                    + "  - name: shop/dual\n"
                    + "    ips: [127.0.0.1, \"::1\"]\n"
                    + "    ports:\n"
                    + "      - port: " + backendPort + "\n");
            DaemonProcess d = DaemonProcess.start(dir.resolve("dual.log"),
                    "run", "--mappings", mappings.toString(),
                    "--port-range", range[0] + "-" + range[1],
                    "--listen-address", "127.0.0.1", "--listen-address", "::1",
                    "--state-dir", dir.resolve("state").toString(),
                    "--api", "unix:" + dir.resolve("dual.sock"));
            cleanup.add(d);
            d.awaitOutput("event=started", START);
            assertEquals(Set.of(range[0], range[0] + 1), d.listeningTcpPorts(),
                    "IPv6 took the first port, IPv4 skipped it:\n" + d.output());
            assertEquals("v4", greeting(new InetSocketAddress(InetAddress.getLoopbackAddress(), range[0] + 1)));
            assertEquals("v6", greeting(new InetSocketAddress(InetAddress.getByName("::1"), range[0])));
        }
    }

    private static String greeting(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(5000);
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
                sb.append((char) c);
            }
            return sb.toString();
        }
    }

    /** Which backend answers on each node port, by its greeting. */
    private static Map<Integer, String> whoAnswers(Set<Integer> ports) throws IOException {
        Map<Integer, String> out = new HashMap<>();
        for (int port : ports) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                StringBuilder sb = new StringBuilder();
                int c;
                while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
                    sb.append((char) c);
                }
                out.put(port, sb.toString());
            }
        }
        return out;
    }

    @Test
    void listensOnExactlyTheMappedNodePortsAndNoOther() throws Exception {
        int[] range = range(50);
        String file = "endpoints:\n"
                + entry("shop/a", greeter("a").address(), null)
                + entry("shop/b", greeter("b").address(), null)
                + entry("shop/c", greeter("c").address(), null);
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, file);
        DaemonProcess d = daemon(mappings, range, "daemon.log");
        d.awaitOutput("event=started", START);

        Set<Integer> ports = d.listeningTcpPorts();
        assertEquals(3, ports.size(), "exactly three node ports listen: " + ports + "\n" + d.output());
        for (int p : ports) {
            assertTrue(p >= range[0] && p <= range[1], "node port " + p + " inside " + range[0] + "-" + range[1]);
        }
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(whoAnswers(ports).values()),
                "each node port reaches its own endpoint");
    }

    @Test
    void removingAnEndpointRefusesItWhileATransferThroughAnotherGoesOn() throws Exception {
        long size = 256L * 1024 * 1024;
        BlockingBackend bulk = BlockingBackend.start(s -> {
            Patterns.send(s.getOutputStream(), 21, size);
            s.shutdownOutput();
        });
        cleanup.add(bulk);
        BlockingBackend other = greeter("other");
        int[] range = range(20);
        Path mappings = dir.resolve("endpoints.yaml");
        writeAtomically(mappings, "endpoints:\n"
                + entry("bulk", bulk.address(), range[0])
                + entry("other", other.address(), range[0] + 1));
        DaemonProcess d = daemon(mappings, range, "daemon.log");
        d.awaitOutput("event=started", START);
        assertEquals(Set.of(range[0], range[0] + 1), d.listeningTcpPorts());

        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), range[0])) {
            client.setSoTimeout(30_000);
            // A slow reader keeps the transfer going while the file changes.
            CompletableFuture<Patterns.Received> transfer = CompletableFuture.supplyAsync(() -> {
                try {
                    return Patterns.receive(client.getInputStream(), 48L * 1024 * 1024, 1);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writeAtomically(mappings, "endpoints:\n" + entry("bulk", bulk.address(), range[0]));
            Waits.until(() -> "node port " + (range[0] + 1) + " to close:\n" + d.output(), Duration.ofSeconds(5),
                    () -> !d.listeningTcpPorts().contains(range[0] + 1));
            assertThrows(ConnectException.class,
                    () -> new Socket(InetAddress.getLoopbackAddress(), range[0] + 1).close(),
                    "the removed endpoint's node port refuses connections");
            assertFalse(transfer.isDone(), "the transfer was still running when the other mapping went away");

            Patterns.Received r = transfer.get(60, TimeUnit.SECONDS);
            assertEquals(size, r.bytes(), "bytes through the mapping that stayed");
            assertArrayEquals(Patterns.expected(21, size), r.digest(), "SHA-256 through the mapping that stayed");
        }
        assertEquals(Set.of(range[0]), d.listeningTcpPorts());
        bulk.rethrowFailures();
    }

    @Test
    void restartGivesTheSameNodePortsBack() throws Exception {
        int[] range = range(100);
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n"
                + entry("ns/x", greeter("x").address(), null)
                + entry("ns/y", greeter("y").address(), null)
                + entry("ns/z", greeter("z").address(), null));
        DaemonProcess first = daemon(mappings, range, "first.log");
        first.awaitOutput("event=started", START);
        Map<Integer, String> before = whoAnswers(first.listeningTcpPorts());
        assertEquals(3, before.size(), first.output());
        assertEquals(0, first.terminate(Duration.ofSeconds(20)), "SIGTERM drains and exits 0:\n" + first.output());

        DaemonProcess second = daemon(mappings, range, "second.log");
        second.awaitOutput("event=started", START);
        assertEquals(before, whoAnswers(second.listeningTcpPorts()), "same node port for each endpoint");
    }

    @Test
    void endpointsCreatedThroughTheApiSurviveARestartOfTheProcess() throws Exception {
        int[] range = range(100);
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n" + entry("from-file", greeter("file").address(), null));
        DaemonProcess first = daemon(mappings, range, "first.log");
        first.awaitOutput("event=started", START);
        ApiClient api = new ApiClient(ApiAddress.parse("unix:" + dir.resolve("first.log.sock")), Optional.empty(),
                Duration.ofSeconds(10));
        InetSocketAddress a = greeter("api-a").address();
        InetSocketAddress b = greeter("api-b").address();
        assertEquals(201, api.put("/v1/endpoints/ns/api-a", ("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":"
                + a.getPort() + "}]}").getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(201, api.put("/v1/endpoints/ns/api-b", ("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":"
                + b.getPort() + ",\"nodePort\":" + (range[0] + 42) + "}]}").getBytes(StandardCharsets.UTF_8))
                .status());
        Map<Integer, String> before = whoAnswers(first.listeningTcpPorts());
        assertEquals(Set.of("file", "api-a", "api-b"), Set.copyOf(before.values()), first.output());
        assertEquals(0, first.terminate(Duration.ofSeconds(20)), first.output());

        DaemonProcess second = daemon(mappings, range, "second.log");
        second.awaitOutput("event=started", START);
        assertEquals(before, whoAnswers(second.listeningTcpPorts()), "same node port for each endpoint");
        ApiClient again = new ApiClient(ApiAddress.parse("unix:" + dir.resolve("second.log.sock")),
                Optional.empty(), Duration.ofSeconds(10));
        assertEquals("api", again.get("/v1/endpoints/ns/api-a").json().get("source").asText());
        assertEquals(200, again.get("/readyz").status());
    }

    @Test
    void anInvalidFileAtStartExitsTwoNamingTheFieldAndValue() throws Exception {
        Path mappings = dir.resolve("bad.yaml");
        Files.writeString(mappings, "endpoints:\n"
                + "  - name: shop/web\n"
                + "    ip: 10.0.0.1\n"
                + "    ports:\n"
                + "      - port: 70000\n");
        DaemonProcess d = daemon(mappings, range(10), "daemon.log");
        assertEquals(2, d.waitFor(Duration.ofSeconds(30)), d.output());
        String out = d.output();
        assertTrue(out.contains("bad.yaml") && out.contains("shop/web") && out.contains("port: 70000"),
                "message names the file, the entry, the field and the value:\n" + out);
    }

    @Test
    void anInvalidReloadKeepsServingTheLastGoodState() throws Exception {
        int[] range = range(10);
        Path mappings = dir.resolve("endpoints.yaml");
        writeAtomically(mappings, "endpoints:\n" + entry("keep", greeter("keep").address(), range[0]));
        DaemonProcess d = daemon(mappings, range, "daemon.log");
        d.awaitOutput("event=started", START);

        writeAtomically(mappings, "endpoints:\n  - name: keep\n    ip: not-an-ip\n    ports: [{port: 1}]\n");
        d.awaitOutput("mapping_file_rejected", Duration.ofSeconds(5));
        assertTrue(d.output().contains("not-an-ip"), "the error names the bad value:\n" + d.output());
        assertEquals(Map.of(range[0], "keep"), whoAnswers(d.listeningTcpPorts()), "still serving");
        assertTrue(d.isAlive());
    }

    @Test
    void aTakenPinnedPortIsAConflictForThatMappingAloneAndTakenPortsAreSkipped() throws Exception {
        int[] range = range(10);
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.setReuseAddress(true);
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), range[0]));
            Path mappings = dir.resolve("endpoints.yaml");
            Files.writeString(mappings, "endpoints:\n"
                    + entry("pinned", greeter("pinned").address(), range[0])
                    + entry("free", greeter("free").address(), null));
            DaemonProcess d = daemon(mappings, range, "daemon.log");
            d.awaitOutput("event=started", START);
            Map<Integer, String> serving = whoAnswers(d.listeningTcpPorts());
            assertEquals(1, serving.size(), d.output());
            int freePort = serving.keySet().iterator().next();
            assertEquals("free", serving.get(freePort), "the other mapping proceeds");
            assertNotEquals(range[0], freePort, "the taken port is skipped");
            assertTrue(d.output().contains("nodePort " + range[0]) && d.output().contains("in use"),
                    "the conflict names the port:\n" + d.output());
        }
    }
}
