package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.api.NodeIps;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.PortRange;
import dev.portlocal.state.StateStore;
import dev.portlocal.testing.BlockingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API over real HTTP against a daemon running in this JVM, with real node ports and backends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiIT {

    @RegisterExtension
    final InProcessDaemons daemons = new InProcessDaemons();

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** A backend that writes its name and a newline, then echoes. */
    private BlockingBackend greeter(String name) throws IOException {
        BlockingBackend b = BlockingBackend.start(s -> {
            s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.getInputStream().transferTo(s.getOutputStream());
        });
        cleanup.add(b);
        return b;
    }

    private static String greeting(int nodePort) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), nodePort)) {
            s.setSoTimeout(5000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static TreeSet<Integer> listening(PortRange range) {
        TreeSet<Integer> ports = new TreeSet<>();
        for (int p = range.start(); p <= range.end(); p++) {
            if (listens(p)) {
                ports.add(p);
            }
        }
        return ports;
    }

    /** The node port of {@code port} in an endpoint answer (ports are sorted by port, not by request order). */
    private static int nodePortOf(JsonNode endpoint, int port) {
        for (JsonNode p : endpoint.path("ports")) {
            if (p.path("port").asInt() == port) {
                return p.path("nodePort").asInt();
            }
        }
        throw new AssertionError("no port " + port + " in " + endpoint);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String body(InetSocketAddress backend, String extra) {
        return "{\"ip\":\"" + backend.getAddress().getHostAddress() + "\",\"ports\":[{\"port\":" + backend.getPort()
                + "}" + extra + "]}";
    }

    private Daemon daemon(PortRange range) throws Exception {
        return daemons.start(b -> b.portRange(range).stateDir(dir.resolve("state")));
    }

    @Test
    void createReadUpdateDeleteWithListeningOnReturn() throws Exception {
        PortRange range = InProcessDaemons.range(20);
        Daemon daemon = daemon(range);
        ApiClient api = InProcessDaemons.client(daemon);
        BlockingBackend web = greeter("web");

        ApiClient.Response created = api.put("/v1/endpoints/shop/web", utf8(body(web.address(), "")));
        assertEquals(201, created.status(), created.toString());
        int nodePort = created.json().at("/ports/0/nodePort").asInt();
        assertTrue(range.contains(nodePort), created.toString());
        assertEquals("web", greeting(nodePort), "listening when the PUT returned, with no wait");

        assertEquals(created.text(), api.get("/v1/endpoints/shop/web").text());
        ApiClient.Response again = api.put("/v1/endpoints/shop/web", utf8(body(web.address(), "")));
        assertEquals(200, again.status(), "an identical PUT is idempotent");
        assertEquals(created.text(), again.text());

        BlockingBackend admin = greeter("admin");
        ApiClient.Response updated = api.put("/v1/endpoints/shop/web", utf8("{\"ip\":\"127.0.0.1\",\"ports\":["
                + "{\"port\":" + web.address().getPort() + "},{\"port\":" + admin.address().getPort() + "}]}"));
        assertEquals(200, updated.status(), updated.toString());
        assertEquals(nodePort, nodePortOf(updated.json(), web.address().getPort()),
                "the kept port keeps its node port");
        int adminPort = nodePortOf(updated.json(), admin.address().getPort());
        assertEquals("admin", greeting(adminPort));

        JsonNode list = api.get("/v1/endpoints").json();
        assertEquals(1, list.size());
        assertEquals(2, api.get("/v1/mappings").json().size());
        assertEquals("shop/web", api.get("/v1/ports/" + adminPort + "/tcp").json().at("/mappings/0/endpoint")
                .asText());

        assertEquals(200, api.delete("/v1/endpoints/shop/web").status());
        assertEquals(new TreeSet<>(), listening(range), "every node port closed when the DELETE returned");
        assertEquals(404, api.get("/v1/endpoints/shop/web").status());
        assertEquals("[]", api.get("/v1/mappings").text());
        assertEquals(200, api.get("/readyz").status());
    }

    @Test
    void deleteRefusesNewConnectionsAndDrainsOpenOnes() throws Exception {
        Daemon daemon = daemon(InProcessDaemons.range(10));
        ApiClient api = InProcessDaemons.client(daemon);
        BlockingBackend echo = greeter("echo");
        int nodePort = api.put("/v1/endpoints/echo", utf8(body(echo.address(), ""))).json()
                .at("/ports/0/nodePort").asInt();

        try (Socket open = new Socket(InetAddress.getLoopbackAddress(), nodePort)) {
            open.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(open.getInputStream(),
                    StandardCharsets.US_ASCII));
            assertEquals("echo", in.readLine());

            assertEquals(200, api.delete("/v1/endpoints/echo").status());
            assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), nodePort).close(),
                    "the node port refuses new connections once DELETE returned");

            open.getOutputStream().write(utf8("still here\n"));
            open.getOutputStream().flush();
            assertEquals("still here", in.readLine(), "the open connection drains instead of being cut");
        }
        echo.rethrowFailures();
    }

    @Test
    void fileEndpointsAreReadOnlyThroughTheApi() throws Exception {
        BlockingBackend web = greeter("web");
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, "endpoints:\n  - name: shop/web\n    ip: 127.0.0.1\n    ports:\n      - port: "
                + web.address().getPort() + "\n");
        Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(10)).stateDir(dir.resolve("state"))
                .mappingsFile(mappings));
        ApiClient api = InProcessDaemons.client(daemon);
        String before = api.get("/v1/mappings").text();

        for (ApiClient.Response refused : List.of(api.put("/v1/endpoints/shop/web", utf8(body(web.address(), ""))),
                api.delete("/v1/endpoints/shop/web"))) {
            assertEquals(409, refused.status(), refused.toString());
            assertEquals("name", refused.json().get("field").asText());
            assertTrue(refused.errorMessage().contains("mapping file"), refused.toString());
        }
        assertEquals(before, api.get("/v1/mappings").text());
        assertEquals("file", api.get("/v1/endpoints/shop/web").json().get("source").asText());
    }

    @Test
    void apiEndpointsSurviveARestartWithTheSamePorts() throws Exception {
        PortRange range = InProcessDaemons.range(30);
        BlockingBackend a = greeter("a");
        BlockingBackend b = greeter("b");
        Daemon first = daemon(range);
        ApiClient api = InProcessDaemons.client(first);
        api.put("/v1/endpoints/ns/a", utf8(body(a.address(), "")));
        int pinned = range.start() + 17;
        api.put("/v1/endpoints/ns/b", utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":" + b.address().getPort()
                + ",\"nodePort\":" + pinned + "}]}"));
        String before = api.get("/v1/endpoints").text();
        TreeSet<Integer> ports = listening(range);
        first.stop();
        assertEquals(new TreeSet<>(), listening(range));
        String state = Files.readString(dir.resolve("state").resolve(StateStore.FILE_NAME));
        assertTrue(state.contains("\"source\" : \"api\""), state);

        Daemon second = daemon(range);
        ApiClient again = InProcessDaemons.client(second);
        assertEquals(before, again.get("/v1/endpoints").text(), "same endpoints, same node ports");
        assertEquals(ports, listening(range));
        int aPort = again.get("/v1/endpoints/ns/a").json().at("/ports/0/nodePort").asInt();
        assertEquals("a", greeting(aPort));
        assertEquals("b", greeting(pinned));
        assertEquals(200, again.delete("/v1/endpoints/ns/a").status(), "restored endpoints stay the API's");
    }

    @Test
    void theAnnotationMatchesNodePortLocalFieldForField() throws Exception {
        BlockingBackend web = greeter("web");
        Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(10)).stateDir(dir.resolve("state"))
                .nodeIps(List.of(Addresses.parseIp("ip", "10.10.10.10"))));
        ApiClient api = InProcessDaemons.client(daemon);
        int nodePort = api.put("/v1/endpoints/shop/web", utf8(body(web.address(), ""))).json()
                .at("/ports/0/nodePort").asInt();

        ApiClient.Response annotation = api.get("/v1/endpoints/shop/web/annotation");
        assertEquals(200, annotation.status());
        // NPL's own example:
        // [{"podPort":8080,"nodeIP":"10.10.10.10","nodePort":61002,"protocol":"tcp","ipFamily":"IPv4"}]
        assertEquals("[{\"podPort\":" + web.address().getPort() + ",\"nodeIP\":\"10.10.10.10\",\"nodePort\":"
                + nodePort + ",\"protocol\":\"tcp\",\"ipFamily\":\"IPv4\"}]", annotation.text());
        JsonNode entry = annotation.json().get(0);
        List<String> fields = new ArrayList<>();
        entry.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("podPort", "nodeIP", "nodePort", "protocol", "ipFamily"), fields);
        assertTrue(entry.get("podPort").isInt() && entry.get("nodePort").isInt());
        assertTrue(entry.get("nodeIP").isTextual() && entry.get("protocol").isTextual()
                && entry.get("ipFamily").isTextual());
        JsonNode info = api.get("/v1/info").json();
        assertEquals("10.10.10.10", info.at("/nodeIPs/0/ip").asText());
        assertEquals("flag", info.at("/nodeIPs/0/source").asText());
    }

    /** Every bad request, over the wire: its status, the field it names, and nothing changed. */
    @Test
    void badRequestsGetTheirStatusNameTheFieldAndChangeNothing() throws Exception {
        PortRange range = InProcessDaemons.range(10);
        Daemon daemon = daemon(range);
        ApiClient api = InProcessDaemons.client(daemon);
        BlockingBackend web = greeter("web");
        assertEquals(201, api.put("/v1/endpoints/shop/web", utf8(body(web.address(), ""))).status());
        Path stateFile = dir.resolve("state").resolve(StateStore.FILE_NAME);
        String mappingsBefore = api.get("/v1/mappings").text();
        String stateBefore = Files.readString(stateFile);
        TreeSet<Integer> listeningBefore = listening(range);

        byte[] tenMiB = new byte[10 * 1024 * 1024];
        Arrays.fill(tenMiB, (byte) '1');
        String ok = body(web.address(), "");
        Object[][] cases = {
            {"PUT", "/v1/endpoints/shop/web", "application/json", utf8("{\"ip\":\"127.0.0.1\","), 400, "body"},
            {"PUT", "/v1/endpoints/shop/web", "application/json", utf8("[1,2]"), 400, "body"},
            {"PUT", "/v1/endpoints/shop/web", "application/json", utf8("{\"ip\":127,\"ports\":[{\"port\":80}]}"), 400,
                "ip"},
            {"PUT", "/v1/endpoints/shop/web", "application/json",
                utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":\"80\"}]}"), 400, "ports[0].port"},
            {"PUT", "/v1/endpoints/shop/web", "application/json",
                utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":80}],\"weight\":3}"), 400, "weight"},
            {"PUT", "/v1/endpoints/shop/web", "application/json",
                utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":80,\"tls\":true}]}"), 400, "ports[0].tls"},
            {"PUT", "/v1/endpoints/shop/web", "application/json",
                utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":0}]}"), 400, "ports[0].port"},
            {"PUT", "/v1/endpoints/shop/web", "application/json",
                utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":65536}]}"), 400, "ports[0].port"},
            {"PUT", "/v1/endpoints/shop/web", "application/json",
                utf8("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":80,\"nodePort\":" + (range.end() + 1) + "}]}"), 400,
                "ports[0].nodePort"},
            {"PUT", ApiClient.endpointPath("x".repeat(254)), "application/json", utf8(ok), 400, "name"},
            {"PUT", ApiClient.endpointPath("shop/" + "y".repeat(300)), "application/json", utf8(ok), 400, "name"},
            {"PUT", ApiClient.endpointPath("we b"), "application/json", utf8(ok), 400, "name"},
            {"PUT", ApiClient.endpointPath("web!"), "application/json", utf8(ok), 400, "name"},
            {"PUT", ApiClient.endpointPath("wéb"), "application/json", utf8(ok), 400, "name"},
            {"PUT", ApiClient.endpointPath("a/b/c"), "application/json", utf8(ok), 400, "name"},
            {"PUT", ApiClient.endpointPath("shop/web"), "application/json", tenMiB, 413, "body"},
            {"POST", "/v1/endpoints/shop/web", "application/json", utf8(ok), 405, "method"},
            {"DELETE", "/v1/endpoints", null, new byte[0], 405, "method"},
            {"PUT", "/v1/endpoints/shop/web", "text/plain", utf8(ok), 415, "Content-Type"},
            {"PUT", "/v1/endpoints/shop/web", null, utf8(ok), 415, "Content-Type"},
            {"GET", "/v1/nothing", null, new byte[0], 404, "path"},
        };
        for (Object[] c : cases) {
            String what = c[0] + " " + c[1] + " " + c[2];
            ApiClient.Response response = api.send((String) c[0], (String) c[1], (String) c[2], (byte[]) c[3]);
            assertEquals((int) c[4], response.status(), what + " -> " + response);
            assertEquals(c[5], response.json().get("field").asText(), what + " -> " + response);
            assertTrue(response.errorMessage().length() > 10, what + " -> " + response);
            assertEquals(mappingsBefore, api.get("/v1/mappings").text(), "mappings after " + what);
            assertEquals(stateBefore, Files.readString(stateFile), "state file after " + what);
        }
        assertEquals(listeningBefore, listening(range), "the same node ports listen");
    }

    @Test
    void withATokenChangesNeedItAndReadsWithoutItWorkOnlyOnLoopback() throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "s3cret\n");
        PortRange range = InProcessDaemons.range(10);
        Daemon daemon = daemons.start(b -> b.portRange(range).stateDir(dir.resolve("state"))
                .apiTokenFile(tokenFile));
        BlockingBackend web = greeter("web");
        ApiClient anonymous = InProcessDaemons.client(daemon);
        ApiClient wrong = InProcessDaemons.client(daemon, "s3cre7");
        ApiClient right = InProcessDaemons.client(daemon, "s3cret");

        for (ApiClient client : List.of(anonymous, wrong)) {
            ApiClient.Response refused = client.put("/v1/endpoints/web", utf8(body(web.address(), "")));
            assertEquals(401, refused.status(), refused.toString());
            assertTrue(refused.headers().get("www-authenticate").startsWith("Bearer"));
            assertEquals(404, right.get("/v1/endpoints/web").status(), "a refused PUT changes nothing");
        }
        assertEquals(new TreeSet<>(), listening(range));
        assertEquals(201, right.put("/v1/endpoints/web", utf8(body(web.address(), ""))).status());
        assertEquals(401, anonymous.delete("/v1/endpoints/web").status());
        assertEquals(401, wrong.get("/v1/mappings").status(), "a wrong token is refused even for reads");
        assertEquals(200, anonymous.get("/v1/mappings").status(), "reads from loopback need no token");
        assertEquals(1, listening(range).size());
        assertTrue(!Files.readString(dir.resolve("state").resolve(StateStore.FILE_NAME)).contains("s3cret"));
    }

    @Test
    void readsFromAnotherAddressNeedTheToken() throws Exception {
        InetAddress hostIp = NodeIps.hostAddresses().stream().map(NodeIps.HostAddress::ip)
                .filter(ip -> ip instanceof Inet4Address && !ip.isLoopbackAddress() && !ip.isLinkLocalAddress())
                .findFirst().orElse(null);
        Assumptions.assumeTrue(hostIp != null, "no non-loopback IPv4 address on this host");
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "s3cret");
        Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(10)).stateDir(dir.resolve("state"))
                .apiTokenFile(tokenFile).api(new ApiAddress.Tcp(new InetSocketAddress(hostIp, 0))));
        ApiClient anonymous = InProcessDaemons.client(daemon);
        assertEquals(401, anonymous.get("/v1/mappings").status(), "a read from " + hostIp + " is not loopback");
        assertEquals(200, InProcessDaemons.client(daemon, "s3cret").get("/v1/mappings").status());
        assertEquals(200, anonymous.get("/healthz").status(), "probes need no token");
        assertEquals(200, anonymous.get("/readyz").status());
    }
}
