package dev.portlocal.api;

import dev.portlocal.control.MappingService;
import dev.portlocal.model.PortRange;
import dev.portlocal.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real server over loopback TCP and a unix socket, in front of the routes and a socket-less opener. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiServerIT {

    @TempDir
    Path dir;

    private final ExecutorService control = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-control"));
    private final Set<String> routeThreads = ConcurrentHashMap.newKeySet();
    private MappingService service;
    private Function<ApiRequest, ApiResponse> routes;

    @BeforeEach
    void setUp() {
        service = new MappingService(new PortRange(61000, 61009), new InMemoryOpener(), new StateStore(dir));
        service.restore();
        ApiEndpoints endpoints = new ApiEndpoints(service);
        endpoints.restore();
        ApiRoutes apiRoutes = new ApiRoutes(service, endpoints, NodeIps.resolve(List.of(), List.of()),
                new ApiAccess(Optional.empty(), true), () -> true, "test");
        routes = request -> {
            routeThreads.add(Thread.currentThread().getName());
            return apiRoutes.handle(request);
        };
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        control.shutdown();
        assertTrue(control.awaitTermination(10, TimeUnit.SECONDS));
        service.close();
    }

    private ApiServer tcp() throws IOException {
        return ApiServer.start(new ApiAddress.Tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                routes, control, ApiServer.DEFAULT_MAX_BODY);
    }

    private static ApiClient client(ApiServer server) {
        return new ApiClient(server.address(), Optional.empty(), Duration.ofSeconds(10));
    }

    @Test
    void servesOverLoopbackOnTheControlThread() throws IOException {
        try (ApiServer server = tcp()) {
            ApiClient client = client(server);
            ApiClient.Response created = client.put(ApiClient.endpointPath("shop/web"),
                    "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}".getBytes(StandardCharsets.UTF_8));
            assertEquals(201, created.status(), created.toString());
            assertEquals("application/json; charset=utf-8", created.headers().get("content-type"));
            assertEquals(61000, created.json().at("/ports/0/nodePort").asInt());
            assertEquals(200, client.get("/v1/endpoints/shop/web").status());
            assertEquals(Set.of("test-control"), routeThreads, "routes never run on the event loop");
        }
    }

    @Test
    void tenMebibytesGet413AndChangeNothing() throws IOException {
        try (ApiServer server = tcp()) {
            ApiClient client = client(server);
            byte[] huge = new byte[10 * 1024 * 1024];
            Arrays.fill(huge, (byte) ' ');
            ApiClient.Response tooLarge = client.put("/v1/endpoints/shop/web", huge);
            assertEquals(413, tooLarge.status(), tooLarge.toString());
            assertEquals("body", tooLarge.json().get("field").asText());
            assertTrue(tooLarge.errorMessage().contains("1048576"), tooLarge.toString());
            assertEquals("[]", client.get("/v1/mappings").text());
            assertEquals(Set.of("test-control"), routeThreads, "only the GET reached the routes");
        }
    }

    @Test
    void aWrongMethodAndContentTypeOverTheWire() throws IOException {
        try (ApiServer server = tcp()) {
            ApiClient client = client(server);
            ApiClient.Response post = client.send("POST", "/v1/endpoints/web", "application/json", new byte[0]);
            assertEquals(405, post.status());
            assertEquals("GET, PUT, DELETE", post.headers().get("allow"));
            ApiClient.Response text = client.send("PUT", "/v1/endpoints/web", "text/yaml",
                    "ip: 10.0.0.1".getBytes(StandardCharsets.UTF_8));
            assertEquals(415, text.status());
            assertEquals("[]", client.get("/v1/mappings").text());
        }
    }

    @Test
    void servesOnAUnixSocketAndRemovesItOnClose() throws IOException {
        Path socket = dir.resolve("api.sock");
        ApiAddress address = ApiAddress.parse("unix:" + socket);
        try (ApiServer server = ApiServer.start(address, routes, control, ApiServer.DEFAULT_MAX_BODY)) {
            ApiClient client = client(server);
            assertEquals("{\"status\":\"ok\"}", client.get("/healthz").text());
            IOException busy = assertThrows(IOException.class,
                    () -> ApiServer.start(address, routes, control, ApiServer.DEFAULT_MAX_BODY).close());
            assertTrue(busy.getMessage().contains("another process serves"), busy.getMessage());
            assertEquals(200, client.get("/healthz").status(), "the first server is untouched");
        }
        assertFalse(Files.exists(socket), "the socket file is removed");

        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "a dead daemon's socket file");
        try (ApiServer server = ApiServer.start(address, routes, control, ApiServer.DEFAULT_MAX_BODY)) {
            assertEquals(200, client(server).get("/healthz").status(), "a stale socket is replaced");
        }

        Path regular = dir.resolve("not-a-socket");
        Files.writeString(regular, "keep me");
        IOException refused = assertThrows(IOException.class, () -> ApiServer.start(
                ApiAddress.parse("unix:" + regular), routes, control, ApiServer.DEFAULT_MAX_BODY).close());
        assertTrue(refused.getMessage().contains("is not a socket"), refused.getMessage());
        assertEquals("keep me", Files.readString(regular));
    }

    @Test
    void theSocketIsMode0660AndItsRequestsComeThroughTheSocket() throws IOException {
        Path socket = dir.resolve("mode.sock");
        List<ApiRequest> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Function<ApiRequest, ApiResponse> recording = request -> {
            seen.add(request);
            return routes.apply(request);
        };
        try (ApiServer server = ApiServer.start(ApiAddress.parse("unix:" + socket), recording, control,
                ApiServer.DEFAULT_MAX_BODY)) {
            assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(socket)));
            assertEquals(200, client(server).get("/v1/mappings").status());
            assertTrue(seen.get(0).socket() && seen.get(0).local(), seen.toString());
        }
        try (ApiServer server = ApiServer.start(new ApiAddress.Tcp(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0)), recording, control, ApiServer.DEFAULT_MAX_BODY)) {
            assertEquals(200, client(server).get("/v1/mappings").status());
            assertFalse(seen.get(1).socket(), "TCP, even from loopback, is not the socket");
        }
    }

    /** Sends {@code prefix}, then one byte every 200 ms: the deadline of 1 s must close it with a 408. */
    @Test
    void aSlowRequestIsClosedAtTheDeadlineWhateverItSends() throws Exception {
        ApiCounters counters = new ApiCounters();
        ApiLimits limits = new ApiLimits(ApiServer.DEFAULT_MAX_BODY, Duration.ofSeconds(1), 8);
        try (ApiServer server = ApiServer.start(new ApiAddress.Tcp(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0)), routes, control, limits, counters);
             java.net.Socket slow = new java.net.Socket()) {
            slow.connect(((ApiAddress.Tcp) server.address()).address(), 2000);
            slow.setSoTimeout(10_000);
            java.io.OutputStream out = slow.getOutputStream();
            out.write("GET /v1/mappings HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1));
            long started = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < 50 && !closed; i++) {
                try {
                    out.write('X');
                    out.flush();
                    Thread.sleep(200);
                } catch (IOException e) {
                    closed = true;
                }
                if (slow.getInputStream().available() > 0) {
                    break;
                }
            }
            String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("request timeout: no whole request within 1s"), answer);
            assertTrue(tookMs < 5000, "closed at the deadline, not restarted by each byte: " + tookMs + " ms");
            assertEquals(1, counters.timedOut());
            assertEquals(200, client(server).get("/healthz").status(), "others are served");
        }
    }

    @Test
    void pastTheCapNewConnectionsAreClosedAtOnceAndCounted() throws Exception {
        ApiCounters counters = new ApiCounters();
        ApiLimits limits = new ApiLimits(ApiServer.DEFAULT_MAX_BODY, Duration.ofSeconds(30), 4);
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try (ApiServer server = ApiServer.start(new ApiAddress.Tcp(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0)), routes, control, limits, counters)) {
            InetSocketAddress address = ((ApiAddress.Tcp) server.address()).address();
            for (int i = 0; i < 4; i++) {
                java.net.Socket s = new java.net.Socket();
                s.connect(address, 2000);
                held.add(s);
            }
            awaitOpen(counters, 4);
            for (int i = 0; i < 3; i++) {
                try (java.net.Socket extra = new java.net.Socket()) {
                    extra.connect(address, 2000);
                    extra.setSoTimeout(10_000);
                    assertEquals(-1, extra.getInputStream().read(), "closed at once, nothing read");
                }
            }
            assertEquals(3, counters.refused());
            held.remove(0).close();
            awaitOpen(counters, 3);
            assertEquals(200, client(server).get("/healthz").status(), "served again below the cap");
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    private static void awaitOpen(ApiCounters counters, int expected) throws InterruptedException {
        for (int i = 0; i < 500 && counters.open() != expected; i++) {
            Thread.sleep(20);
        }
        assertEquals(expected, counters.open(), "API connections open");
    }

    @Test
    void aUnixSocketThatNeverAnswersTimesTheClientOut() throws IOException {
        Path mute = dir.resolve("mute.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(mute));
            ApiClient client = new ApiClient(ApiAddress.parse("unix:" + mute), Optional.empty(),
                    Duration.ofMillis(300));
            java.net.SocketTimeoutException timeout = assertThrows(java.net.SocketTimeoutException.class,
                    () -> client.get("/healthz"));
            assertTrue(timeout.getMessage().contains("within 300 ms"), timeout.getMessage());
        }
    }

    @Test
    void anUnreachableApiIsAConnectException() {
        ApiClient client;
        try (ApiServer server = tcp()) {
            client = client(server);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThrows(java.net.ConnectException.class, () -> client.get("/healthz"));
    }
}
