package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.control.FailureKind;
import dev.portlocal.control.HostPorts;
import dev.portlocal.control.MappingService;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import dev.portlocal.model.TargetPolicy;
import dev.portlocal.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The routes without a channel: a real {@link MappingService} over a socket-less opener. */
class ApiRoutesTest {

    private static final PortRange RANGE = new PortRange(61000, 61009);
    private static final String WEB = "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080},{\"port\":9090}]}";

    @TempDir
    Path stateDir;

    private final InMemoryOpener opener = new InMemoryOpener();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private MappingService service;
    private ApiRoutes routes;

    @BeforeEach
    void start() {
        routes = routes(Optional.empty());
    }

    private ApiRoutes routes(Optional<BearerToken> token) {
        return routes(token, NodeIps.resolve(List.of(Addresses.parseIp("ip", "10.10.10.10"),
                Addresses.parseIp("ip", "fd12:3456:789a:1::1")), List.of()));
    }

    private ApiRoutes routes(Optional<BearerToken> token, NodeIps nodeIps) {
        if (service != null) {
            service.close();
        }
        service = new MappingService(RANGE, opener, new StateStore(stateDir), HostPorts.none());
        service.restore();
        ApiEndpoints endpoints = new ApiEndpoints(service);
        endpoints.restore();
        return new ApiRoutes(service, endpoints, nodeIps, new ApiAccess(token, true), ready::get, "1.2.3");
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private ApiResponse call(String method, String uri) {
        return routes.handle(ApiRequest.of(method, uri, true));
    }

    private ApiResponse put(String uri, String json) {
        return routes.handle(ApiRequest.of("PUT", uri, true)
                .withBody("application/json", json.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode json(ApiResponse response) {
        try {
            return ApiJson.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response, e);
        }
    }

    /** Everything a request could change: the API's view, the open ports and the state file. */
    private String snapshot() throws IOException {
        Path file = stateDir.resolve(StateStore.FILE_NAME);
        return call("GET", "/v1/mappings").bodyText() + "\n" + opener.openPorts() + "\n"
                + (Files.exists(file) ? Files.readString(file) : "<no state file>");
    }

    @Test
    void putCreatesThenIsIdempotentThenUpdatesInPlace() {
        ApiResponse created = put("/v1/endpoints/shop/web", WEB);
        assertEquals(201, created.status(), created.toString());
        assertEquals("/v1/endpoints/shop/web", created.headers().get("Location"));
        assertEquals("{\"name\":\"shop/web\",\"ip\":\"10.0.0.1\",\"source\":\"api\",\"ports\":["
                + "{\"port\":8080,\"protocol\":\"tcp\",\"ipFamily\":\"IPv4\",\"nodePort\":61000,"
                + "\"state\":\"listening\",\"message\":\"\"},"
                + "{\"port\":9090,\"protocol\":\"tcp\",\"ipFamily\":\"IPv4\",\"nodePort\":61001,"
                + "\"state\":\"listening\",\"message\":\"\"}]}", created.bodyText());
        assertEquals(List.of(61000, 61001), opener.openNodePorts(), "listening on return");

        ApiResponse again = put("/v1/endpoints/shop/web", WEB);
        assertEquals(200, again.status());
        assertEquals(created.bodyText(), again.bodyText(), "the same PUT changes nothing");

        ApiResponse moved = put("/v1/endpoints/shop/web",
                "{\"name\":\"shop/web\",\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":8080}]}");
        assertEquals(200, moved.status());
        assertEquals("10.0.0.2", json(moved).get("ip").asText());
        assertEquals(61000, json(moved).at("/ports/0/nodePort").asInt(), "a new IP keeps the node port");
        assertEquals(List.of(61000), opener.openNodePorts(), "the dropped port closed");
    }

    @Test
    void getListAndMappingsDescribeEveryEndpoint() {
        service.apply(Source.FILE, List.of(new Endpoint("from-file", Addresses.parseIp("ip", "10.0.0.9"),
                List.of(new EndpointPort(80, Protocol.TCP)))));
        put("/v1/endpoints/shop/web", WEB);

        ApiResponse one = call("GET", "/v1/endpoints/shop/web");
        assertEquals(200, one.status());
        assertEquals("shop/web", json(one).get("name").asText());

        JsonNode list = json(call("GET", "/v1/endpoints"));
        assertEquals(2, list.size());
        assertEquals("from-file", list.get(0).get("name").asText());
        assertEquals("file", list.get(0).get("source").asText());

        ApiResponse mappings = call("GET", "/v1/mappings");
        assertEquals(200, mappings.status());
        assertEquals("{\"endpoint\":\"from-file\",\"ip\":\"10.0.0.9\",\"port\":80,\"protocol\":\"tcp\","
                + "\"nodeIP\":\"10.10.10.10\",\"nodePort\":61000,\"ipFamily\":\"IPv4\",\"source\":\"file\","
                + "\"state\":\"listening\",\"message\":\"\"}", json(mappings).get(0).toString());
        assertEquals(3, json(mappings).size());
    }

    @Test
    void aPortsHealthCheckIsShownAsTheFileWritesIt() {
        assertEquals(201, put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,"
                + "\"healthCheck\":{\"interval\":\"500ms\",\"fall\":3}},{\"port\":9090}]}").status());
        JsonNode ports = json(call("GET", "/v1/endpoints/shop/web")).get("ports");
        assertEquals("{\"interval\":\"500ms\",\"timeout\":\"500ms\",\"rise\":2,\"fall\":3}",
                ports.get(0).get("healthCheck").toString());
        assertFalse(ports.get(1).has("healthCheck"), ports.toString());
        ApiResponse bad = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,"
                + "\"healthCheck\":{\"interval\":\"50ms\"}}]}");
        assertEquals(400, bad.status());
        assertTrue(bad.bodyText().contains(
                "ports[0].healthCheck.interval: 50ms (expected: a duration from 100ms to 1h)"), bad.bodyText());
    }

    @Test
    void theAnnotationIsExactlyNodePortLocals() {
        put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":9090},{\"port\":8080,"
                + "\"nodePort\":61002}]}");
        put("/v1/endpoints/shop/v6", "{\"ip\":\"fd00::5\",\"ports\":[{\"port\":8080}]}");

        ApiResponse v4 = call("GET", "/v1/endpoints/shop/web/annotation");
        assertEquals(200, v4.status());
        assertEquals("[{\"podPort\":8080,\"nodeIP\":\"10.10.10.10\",\"nodePort\":61002,\"protocol\":\"tcp\","
                + "\"ipFamily\":\"IPv4\"},{\"podPort\":9090,\"nodeIP\":\"10.10.10.10\",\"nodePort\":61000,"
                + "\"protocol\":\"tcp\",\"ipFamily\":\"IPv4\"}]", v4.bodyText());
        assertEquals("[{\"podPort\":8080,\"nodeIP\":\"fd12:3456:789a:1::1\",\"nodePort\":61000,"
                + "\"protocol\":\"tcp\",\"ipFamily\":\"IPv6\"}]",
                call("GET", "/v1/endpoints/shop%2Fv6/annotation").bodyText(), "an encoded slash works too");
        assertEquals(404, call("GET", "/v1/endpoints/shop/none/annotation").status());
    }

    /** NodePortLocal publishes nothing for a family the node has no address of; neither may we. */
    @Test
    void aFamilyWithoutANodeIpIsNotPublished() {
        routes = routes(Optional.empty(), NodeIps.resolve(List.of(Addresses.parseIp("ip", "10.10.10.10")),
                List.of()));
        assertEquals(201, put("/v1/endpoints/shop/web", "{\"ips\":[\"10.0.0.1\",\"fd00::1\"],\"ports\":["
                + "{\"port\":8080}]}").status());

        assertEquals("[{\"podPort\":8080,\"nodeIP\":\"10.10.10.10\",\"nodePort\":61000,\"protocol\":\"tcp\","
                + "\"ipFamily\":\"IPv4\"}]", call("GET", "/v1/endpoints/shop/web/annotation").bodyText(),
                "no IPv6 entry with an IPv4 address in it");
        JsonNode rows = json(call("GET", "/v1/mappings"));
        assertEquals("10.10.10.10", rows.get(0).get("nodeIP").asText());
        assertEquals("IPv6", rows.get(1).get("ipFamily").asText());
        assertTrue(rows.get(1).get("nodeIP").isNull(), "no node IP to show for IPv6: " + rows.get(1));
        assertEquals(61000, rows.get(1).get("nodePort").asInt(), "the mapping itself still listens");

        routes = routes(Optional.empty(), NodeIps.resolve(List.of(), List.of()));
        assertEquals("[]", call("GET", "/v1/endpoints/shop/web/annotation").bodyText(),
                "no node IP at all: nothing to publish, not loopback");
    }

    @Test
    void deleteClosesThePortsAndIsThen404() {
        put("/v1/endpoints/shop/web", WEB);
        ApiResponse deleted = call("DELETE", "/v1/endpoints/shop/web");
        assertEquals(200, deleted.status());
        assertEquals("{\"deleted\":\"shop/web\"}", deleted.bodyText());
        assertEquals(Map.of(), opener.openPorts());
        assertEquals(404, call("GET", "/v1/endpoints/shop/web").status());
        ApiResponse again = call("DELETE", "/v1/endpoints/shop/web");
        assertEquals(404, again.status());
        assertEquals("name", json(again).get("field").asText());
    }

    @Test
    void fileEndpointsAreReadOnlyThroughTheApi() throws IOException {
        service.apply(Source.FILE, List.of(new Endpoint("shop/web", Addresses.parseIp("ip", "10.0.0.9"),
                List.of(new EndpointPort(80, Protocol.TCP)))));
        String before = snapshot();

        for (ApiResponse refused : List.of(put("/v1/endpoints/shop/web", WEB),
                call("DELETE", "/v1/endpoints/shop/web"))) {
            assertEquals(409, refused.status(), refused.toString());
            assertTrue(json(refused).get("error").asText().contains("mapping file"), refused.toString());
            assertEquals("name", json(refused).get("field").asText());
        }
        assertEquals(before, snapshot());
        assertEquals(200, call("GET", "/v1/endpoints/shop/web").status(), "reading is fine");
    }

    @Test
    void aPinnedPortThatIsTakenIs409AndChangesNothing() throws IOException {
        put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,\"nodePort\":61003}]}");
        opener.takenByOtherProcess.add(61005);
        String before = snapshot();

        ApiResponse taken = put("/v1/endpoints/shop/other",
                "{\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":80},{\"port\":81,\"nodePort\":61005}]}");
        assertEquals(409, taken.status(), taken.toString());
        assertEquals("ports[1].nodePort", json(taken).get("field").asText());
        assertEquals(61005, json(taken).get("value").asInt());
        assertTrue(json(taken).get("error").asText().contains("in use by another process"), taken.toString());

        ApiResponse held = put("/v1/endpoints/shop/web",
                "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,\"nodePort\":61005}]}");
        assertEquals(409, held.status(), "moving to a taken pin fails and keeps the old definition");
        assertEquals(before, snapshot());
    }

    /** The service decides before it applies: a refused PUT opens and closes nothing, not even for a moment. */
    @Test
    void aRefusedPutOpensAndClosesNothing() throws IOException {
        put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,\"nodePort\":61003}]}");
        opener.takenByOtherProcess.add(61005);
        opener.calls.clear();
        String before = snapshot();

        assertEquals(409, put("/v1/endpoints/shop/other", "{\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":80},"
                + "{\"port\":81,\"nodePort\":61005}]}").status());
        assertEquals(409, put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,"
                + "\"nodePort\":61005}]}").status());
        assertEquals(409, put("/v1/endpoints/shop/third", "{\"ip\":\"10.0.0.3\",\"ports\":[{\"port\":80},"
                + "{\"port\":81,\"nodePort\":61003}]}").status(), "a pin another endpoint holds");

        assertEquals(List.of(), opener.calls, "no listener opened, closed or moved");
        assertEquals(before, snapshot());
    }

    /**
     * Without a probe the service learns that a pin is taken only when it binds. It binds the endpoint's new ports
     * before it closes any it drops, so a failed PUT closes only what it opened, and the ports it would have
     * dropped keep serving on their node ports.
     */
    @Test
    void withoutAProbeAFailedPutClosesOnlyWhatItOpened() throws IOException {
        opener.probes = false;
        put("/v1/endpoints/shop/web", WEB);
        opener.takenByOtherProcess.add(61005);
        opener.calls.clear();
        String before = snapshot();

        ApiResponse taken = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080},"
                + "{\"port\":9091},{\"port\":9092,\"nodePort\":61005}]}");

        assertEquals(409, taken.status(), taken.toString());
        assertEquals("ports[2].nodePort", json(taken).get("field").asText());
        assertEquals(List.of("open 61005/tcp/IPv4"), opener.calls,
                "the pin is bound first and fails; nothing else was opened, nothing closed");
        assertEquals(before, snapshot(), "9090 still listens on 61001; nothing moved");
    }

    @Test
    void aPinAnotherEndpointWaitsForIs409() {
        opener.takenByOtherProcess.add(61004);
        service.apply(Source.FILE, List.of(new Endpoint("from-file", Addresses.parseIp("ip", "10.0.0.9"),
                List.of(EndpointPort.pinned(80, Protocol.TCP, 61004)))));
        opener.takenByOtherProcess.clear();

        ApiResponse pinned = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80,"
                + "\"nodePort\":61004}]}");
        assertEquals(409, pinned.status(), pinned.toString());
        assertTrue(json(pinned).get("error").asText().startsWith("ports[0].nodePort: nodePort 61004 is pinned by "
                + "mapping from-file:80/tcp"), pinned.toString());
    }

    @Test
    void aPinTheDaemonCannotBindIs422AndOpensNothing() throws IOException {
        opener.failing.put(61006, "Permission denied");
        opener.calls.clear();
        String before = snapshot();

        ApiResponse refused = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80},"
                + "{\"port\":81,\"nodePort\":61006}]}");

        assertEquals(422, refused.status(), refused.toString());
        assertEquals("ports[1].nodePort: nodePort 61006 could not be bound: Permission denied",
                json(refused).get("error").asText());
        assertEquals("ports[1].nodePort", json(refused).get("field").asText());
        assertEquals(List.of(), opener.calls);
        assertEquals(before, snapshot());
    }

    @Test
    void eachKindOfRefusalHasItsStatus() {
        Map<FailureKind, Integer> expected = Map.of(FailureKind.OWNED_BY_OTHER_SOURCE, 409, FailureKind.PIN_HELD, 409,
                FailureKind.PIN_IN_USE, 409, FailureKind.PIN_OUT_OF_RANGE, 422, FailureKind.NO_FREE_PORT, 503,
                FailureKind.BIND_FAILED, 422, FailureKind.TARGET_REFUSED, 400);
        for (FailureKind kind : FailureKind.values()) {
            assertEquals(expected.get(kind), ApiRoutes.status(kind), kind.toString());
        }
    }

    @Test
    void aFullRangeIs503AndChangesNothing() throws IOException {
        for (int i = 0; i < 10; i++) {
            assertEquals(201, put("/v1/endpoints/e" + i, "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":" + (80 + i)
                    + "}]}").status());
        }
        String before = snapshot();
        opener.calls.clear();
        ApiResponse full = put("/v1/endpoints/one-more", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}");
        assertEquals(503, full.status(), full.toString());
        assertEquals(List.of(), opener.calls);
        assertTrue(json(full).get("error").asText().contains("no free port in 61000-61009"), full.toString());
        assertEquals(before, snapshot());
    }

    /**
     * What remains after the decision: without a probe a pin another process holds is found only by binding it,
     * and a mapping that moves must close its listener first (the data plane keeps one per mapping). The PUT is
     * refused and the old listener is back on its port, once, with nothing else touched.
     */
    @Test
    void aMoveToAPinFoundTakenOnlyWhenBoundReopensTheOldListenerOnce() throws IOException {
        opener.probes = false;
        put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,\"nodePort\":61003},"
                + "{\"port\":9090}]}");
        opener.takenByOtherProcess.add(61005);
        opener.calls.clear();
        String before = snapshot();

        ApiResponse taken = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,"
                + "\"nodePort\":61005},{\"port\":9090}]}");

        assertEquals(409, taken.status(), taken.toString());
        assertEquals("ports[0].nodePort: nodePort 61005 is in use by another process", json(taken).get("error")
                .asText());
        assertEquals(List.of("close 61003/tcp/IPv4", "open 61005/tcp/IPv4", "open 61003/tcp/IPv4"), opener.calls);
        assertEquals(before, snapshot());
    }

    @Test
    void anEndpointSwapsPinsBetweenItsOwnPorts() {
        put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,\"nodePort\":61001},"
                + "{\"port\":9090,\"nodePort\":61002}]}");

        ApiResponse swapped = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,"
                + "\"nodePort\":61002},{\"port\":9090,\"nodePort\":61001}]}");

        assertEquals(200, swapped.status(), swapped.toString());
        assertEquals(61002, json(swapped).at("/ports/0/nodePort").asInt());
        assertEquals(61001, json(swapped).at("/ports/1/nodePort").asInt());
        assertEquals(List.of(61001, 61002), opener.openNodePorts());
    }

    /** With the range full, a new port of an endpoint takes the node port of a port the same PUT drops. */
    @Test
    void inAFullRangeANewPortTakesTheNodePortTheEndpointDrops() {
        for (int i = 0; i < 9; i++) {
            assertEquals(201, put("/v1/endpoints/e" + i, "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}")
                    .status());
        }
        put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":9090}]}");
        int dropped = json(call("GET", "/v1/endpoints/shop/web")).at("/ports/0/nodePort").asInt();

        ApiResponse replaced = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":9091}]}");

        assertEquals(200, replaced.status(), replaced.toString());
        assertEquals(9091, json(replaced).at("/ports/0/port").asInt());
        assertEquals(dropped, json(replaced).at("/ports/0/nodePort").asInt());
        assertEquals(10, opener.openNodePorts().size());
    }

    /** Ports the allocator thinks free but another process holds are tried and skipped; nothing else is touched. */
    @Test
    void freePortsAllTakenByAnotherProcessAre503AndTouchNothing() throws IOException {
        opener.probes = false;
        put("/v1/endpoints/shop/web", WEB);
        for (int port = 61002; port <= 61009; port++) {
            opener.takenByOtherProcess.add(port);
        }
        opener.calls.clear();
        String before = snapshot();

        ApiResponse full = put("/v1/endpoints/shop/web", "{\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":8080},"
                + "{\"port\":9090},{\"port\":9091}]}");

        assertEquals(503, full.status(), full.toString());
        assertEquals("ports[2]: no free port in 61000-61009", json(full).get("error").asText());
        assertEquals(8, opener.calls.size(), "each free port tried once: " + opener.calls);
        assertTrue(opener.calls.stream().allMatch(call -> call.startsWith("open ")), opener.calls.toString());
        assertEquals(before, snapshot(), "still the old IP, on the same node ports");
    }

    static Stream<Arguments> badRequests() {
        String ok = "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080}]}";
        return Stream.of(
                arguments("PUT", "/v1/endpoints/shop/web", "application/json", "{\"ip\":", 400, "body"),
                arguments("PUT", "/v1/endpoints/shop/web", "application/json", "{\"ip\":\"10.0.0.1\",\"ports\":[{"
                        + "\"port\":\"8080\"}]}", 400, "ports[0].port"),
                arguments("PUT", "/v1/endpoints/shop/web", "application/json", "{\"ip\":\"10.0.0.1\",\"ports\":[{"
                        + "\"port\":8080}],\"labels\":{}}", 400, "labels"),
                arguments("PUT", "/v1/endpoints/shop/web", "application/json", "{\"ip\":\"10.0.0.1\",\"ports\":[{"
                        + "\"port\":70000}]}", 400, "ports[0].port"),
                arguments("PUT", "/v1/endpoints/shop/web", "application/json", "{\"ip\":\"10.0.0.1\",\"ports\":[{"
                        + "\"port\":80,\"nodePort\":62000}]}", 400, "ports[0].nodePort"),
                arguments("PUT", "/v1/endpoints/" + "a".repeat(254), "application/json", ok, 400, "name"),
                arguments("PUT", "/v1/endpoints/a/b/c", "application/json", ok, 400, "name"),
                arguments("PUT", "/v1/endpoints/-web", "application/json", ok, 400, "name"),
                arguments("PUT", "/v1/endpoints/we%20b", "application/json", ok, 400, "name"),
                arguments("PUT", "/v1/endpoints/w%C3%A9b", "application/json", ok, 400, "name"),
                arguments("PUT", "/v1/endpoints/..", "application/json", ok, 400, "name"),
                arguments("PUT", "/v1/endpoints/web%zz", "application/json", ok, 400, "path"),
                arguments("PUT", "/v1/endpoints/shop/web", "text/plain", ok, 415, "Content-Type"),
                arguments("PUT", "/v1/endpoints/shop/web", null, ok, 415, "Content-Type"),
                arguments("PUT", "/v1/endpoints/shop/web", "application/jsonx", ok, 415, "Content-Type"),
                arguments("POST", "/v1/endpoints/shop/web", "application/json", ok, 405, "method"),
                arguments("PATCH", "/v1/endpoints/shop/web", "application/json", ok, 405, "method"),
                arguments("PUT", "/v1/endpoints", "application/json", ok, 405, "method"),
                arguments("DELETE", "/v1/mappings", null, "", 405, "method"),
                arguments("PUT", "/v1/endpoints/shop/web/annotation", "application/json", ok, 405, "method"),
                arguments("PUT", "/v2/endpoints/shop/web", "application/json", ok, 404, "path"),
                arguments("DELETE", "/v1/endpoints/shop/absent", null, "", 404, "name"),
                arguments("GET", "/v1/ports/0/tcp", null, "", 400, "nodePort"),
                arguments("GET", "/v1/ports/http/tcp", null, "", 400, "nodePort"),
                arguments("GET", "/v1/ports/61000/sctp", null, "", 400, "protocol"),
                arguments("GET", "/v1/ports/61009/tcp", null, "", 404, "nodePort"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badRequestsGetTheirStatusNameTheFieldAndChangeNothing(String method, String uri, String type, String body,
                                                                int status, String field) throws IOException {
        put("/v1/endpoints/shop/web", WEB);
        String before = snapshot();
        ApiResponse response = routes.handle(ApiRequest.of(method, uri, true)
                .withBody(type, body.getBytes(StandardCharsets.UTF_8)));
        assertEquals(status, response.status(), response.toString());
        JsonNode error = json(response);
        assertEquals(field, error.get("field").asText(), response.toString());
        assertTrue(error.get("error").asText().length() > 10, response.toString());
        assertEquals(before, snapshot(), "state after " + method + " " + uri);
        if (status == 405) {
            assertTrue(response.headers().containsKey("Allow"), response.headers().toString());
        }
    }

    /**
     * A property over seeded random damage to a valid body: truncated anywhere, or with a structural character
     * inserted anywhere, it is a 400 that names a field, and nothing changes.
     */
    @Test
    void damagedBodiesAreAlways400NamingAFieldAndChangeNothing() throws IOException {
        put("/v1/endpoints/shop/web", WEB);
        String before = snapshot();
        String valid = "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080,\"protocol\":\"tcp\"}]}";
        SplittableRandom random = new SplittableRandom(20261125);
        String structural = "{}[]:,\"";
        for (int i = 0; i < 500; i++) {
            int at = random.nextInt(valid.length());
            String damaged = i % 2 == 0 ? valid.substring(0, at)
                    : valid.substring(0, at) + structural.charAt(random.nextInt(structural.length()))
                    + valid.substring(at);
            ApiResponse response = put("/v1/endpoints/shop/web", damaged);
            assertEquals(400, response.status(), damaged + " -> " + response);
            assertTrue(json(response).get("field").isTextual(), damaged + " -> " + response);
        }
        assertEquals(before, snapshot());
    }

    @Test
    void portsNameTheirOwner() {
        put("/v1/endpoints/shop/web", WEB);
        ApiResponse owner = call("GET", "/v1/ports/61001/TCP");
        assertEquals(200, owner.status());
        assertEquals(61001, json(owner).get("nodePort").asInt());
        assertEquals("tcp", json(owner).get("protocol").asText());
        assertEquals("shop/web", json(owner).at("/mappings/0/endpoint").asText());
        assertEquals(9090, json(owner).at("/mappings/0/port").asInt());
        assertEquals(404, call("GET", "/v1/ports/61001/udp").status(), "UDP is another port space");
    }

    @Test
    void infoTellsVersionRangeFreePortsAndNodeIps() {
        put("/v1/endpoints/shop/web", WEB);
        JsonNode info = json(call("GET", "/v1/info"));
        assertEquals("1.2.3", info.get("version").asText());
        assertEquals("{\"start\":61000,\"end\":61009,\"size\":10}", info.get("portRange").toString());
        assertEquals(8, info.at("/freePorts/tcp/IPv4").asInt());
        assertEquals(10, info.at("/freePorts/udp/IPv4").asInt());
        assertEquals("{\"ipFamily\":\"IPv4\",\"ip\":\"10.10.10.10\",\"source\":\"flag\"}",
                info.get("nodeIPs").get(0).toString());
        assertEquals(1, info.get("endpoints").asInt());
        assertEquals(2, info.get("mappings").asInt());
        assertTrue(info.get("ready").asBoolean());
    }

    @Test
    void probesAndReadiness() throws IOException {
        assertEquals("{\"status\":\"ok\"}", call("GET", "/healthz").bodyText());
        assertEquals(200, call("GET", "/readyz").status());
        ready.set(false);
        assertEquals(200, call("GET", "/healthz").status());
        assertEquals(503, call("GET", "/readyz").status());
        String before = snapshot();
        ApiResponse early = put("/v1/endpoints/shop/web", WEB);
        assertEquals(503, early.status(), "no changes before the restore is done");
        assertEquals(503, call("DELETE", "/v1/endpoints/shop/web").status());
        assertEquals(before, snapshot());
        assertEquals(200, call("GET", "/v1/mappings").status(), "reads work before ready");
    }

    @Test
    void withATokenChangesNeedItAndRemoteReadsNeedIt() throws IOException {
        routes = routes(Optional.of(BearerToken.of("t0ken")));
        String before = snapshot();
        byte[] body = WEB.getBytes(StandardCharsets.UTF_8);
        ApiRequest putRequest = ApiRequest.of("PUT", "/v1/endpoints/shop/web", true)
                .withBody("application/json", body);

        ApiResponse missing = routes.handle(putRequest);
        assertEquals(401, missing.status());
        assertEquals("Authorization", json(missing).get("field").asText());
        assertTrue(missing.headers().get("WWW-Authenticate").startsWith("Bearer"));
        assertEquals(401, routes.handle(putRequest.withAuthorization("Bearer wrong")).status());
        assertEquals(401, routes.handle(ApiRequest.of("DELETE", "/v1/endpoints/shop/web", true)).status());
        assertEquals(before, snapshot(), "refused changes change nothing");
        assertTrue(!missing.bodyText().contains("t0ken"), "no secret in answers");

        assertEquals(201, routes.handle(putRequest.withAuthorization("Bearer t0ken")).status());

        assertEquals(200, routes.handle(ApiRequest.of("GET", "/v1/mappings", true)).status(), "local read");
        assertEquals(401, routes.handle(ApiRequest.of("GET", "/v1/mappings", false)).status(), "remote read");
        assertEquals(401, routes.handle(ApiRequest.of("GET", "/v1/mappings", true)
                .withAuthorization("Bearer nope")).status(), "a wrong token is wrong even locally");
        assertEquals(200, routes.handle(ApiRequest.of("GET", "/v1/mappings", false)
                .withAuthorization("Bearer t0ken")).status());
        assertEquals(200, routes.handle(ApiRequest.of("GET", "/healthz", false)).status(), "probes are open");
        assertEquals(200, routes.handle(ApiRequest.of("GET", "/readyz", false)).status());
    }

    @Test
    void byDefaultTcpIsReadOnlyAndTheSocketMayChange() throws IOException {
        ApiEndpoints endpoints = new ApiEndpoints(service);
        endpoints.restore();
        routes = new ApiRoutes(service, endpoints, NodeIps.of(List.of()), ApiAccess.of(Optional.empty()), ready::get,
                "1.2.3");
        String before = snapshot();
        ApiRequest putRequest = ApiRequest.of("PUT", "/v1/endpoints/shop/web", true)
                .withBody("application/json", WEB.getBytes(StandardCharsets.UTF_8));

        ApiResponse refused = routes.handle(putRequest);
        assertEquals(403, refused.status(), refused.toString());
        assertEquals("forbidden: the API is read-only over TCP without a token (expected: a change through the unix "
                + "socket, e.g. portlocal --api unix:/run/portlocal/api.sock, or a daemon started with "
                + "--api-token-file FILE and Authorization: Bearer <token>)", json(refused).get("error").asText());
        assertEquals("Authorization", json(refused).get("field").asText());
        assertEquals(403, routes.handle(ApiRequest.of("DELETE", "/v1/endpoints/shop/web", true)).status());
        assertEquals(403, routes.handle(putRequest.withAuthorization("Bearer anything")).status(),
                "no token configured: none is right");
        assertEquals(before, snapshot(), "refused changes change nothing");
        assertEquals(200, routes.handle(ApiRequest.of("GET", "/v1/mappings", true)).status(), "reads stay open");

        assertEquals(201, routes.handle(putRequest.withSocket(true)).status(), "the socket's mode is the credential");
        assertEquals(200, routes.handle(ApiRequest.of("DELETE", "/v1/endpoints/shop/web", true).withSocket(true))
                .status());
    }

    @Test
    void readyzNamesASourceThatIsNotWatchedAndChangesGoOn() throws IOException {
        List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();
        routes.degradedBy(() -> List.copyOf(reasons));
        assertEquals(200, call("GET", "/readyz").status());
        reasons.add("the mapping file /etc/portlocal/endpoints.yaml is not watched (portlocal-file-watcher failed; "
                + "restarting)");
        ApiResponse down = call("GET", "/readyz");
        assertEquals(503, down.status());
        assertEquals("not ready: the mapping file /etc/portlocal/endpoints.yaml is not watched "
                + "(portlocal-file-watcher failed; restarting)", json(down).get("error").asText());
        assertEquals(201, put("/v1/endpoints/shop/web", WEB).status(), "the API still takes changes");
        reasons.clear();
        assertEquals(200, call("GET", "/readyz").status());
    }

    @Test
    void withATokenTheSocketNeedsNoneAndInsecureStillNeedsIt() {
        ApiEndpoints endpoints = new ApiEndpoints(service);
        endpoints.restore();
        routes = new ApiRoutes(service, endpoints, NodeIps.of(List.of()),
                new ApiAccess(Optional.of(BearerToken.of("t0ken")), true), ready::get, "1.2.3");
        ApiRequest putRequest = ApiRequest.of("PUT", "/v1/endpoints/shop/web", true)
                .withBody("application/json", WEB.getBytes(StandardCharsets.UTF_8));
        assertEquals(401, routes.handle(putRequest).status(), "insecure does not waive a configured token");
        assertEquals(201, routes.handle(putRequest.withSocket(true)).status());
    }

    @Test
    void anApiEndpointTheNewPolicyRefusesIsLeftOutAtTheRestore() {
        put("/v1/endpoints/inside", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}");
        put("/v1/endpoints/outside", "{\"ip\":\"192.0.2.1\",\"ports\":[{\"port\":80}]}");
        service.close();
        service = new MappingService(RANGE, opener, new StateStore(stateDir), HostPorts.none(),
                TargetPolicy.builder().allowedTargets(List.of(Cidr.parse("t", "10.0.0.0/8"))).build());
        service.restore();
        ApiEndpoints endpoints = new ApiEndpoints(service);
        endpoints.restore();
        assertEquals(List.of("inside"), endpoints.all().stream().map(Endpoint::name).toList());
        routes = new ApiRoutes(service, endpoints, NodeIps.of(List.of()), new ApiAccess(Optional.empty(), true),
                ready::get, "1.2.3");
        ApiResponse refused = put("/v1/endpoints/outside", "{\"ip\":\"192.0.2.1\",\"ports\":[{\"port\":80}]}");
        assertEquals(400, refused.status());
        assertEquals("ip: 192.0.2.1 (expected: inside allowedTargets: 10.0.0.0/8)",
                json(refused).get("error").asText());
    }

    @Test
    void apiEndpointsComeBackAfterARestartWithTheSamePorts() {
        put("/v1/endpoints/shop/a", "{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80},{\"port\":81}]}");
        put("/v1/endpoints/shop/b", "{\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":80,\"nodePort\":61007}]}");
        put("/v1/endpoints/shop/c", "{\"ip\":\"10.0.0.3\",\"ports\":[{\"port\":80}]}");
        call("DELETE", "/v1/endpoints/shop/a");
        String before = call("GET", "/v1/endpoints").bodyText();

        routes = routes(Optional.empty());

        assertEquals(before, call("GET", "/v1/endpoints").bodyText());
        assertEquals(List.of(61002, 61007), opener.openNodePorts());
        ApiResponse unpin = put("/v1/endpoints/shop/b", "{\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":80}]}");
        assertEquals(200, unpin.status(), "restored endpoints are the API's to change");
        assertEquals(61007, json(unpin).at("/ports/0/nodePort").asInt());
    }

    @Test
    void aUdpIdleTimeoutSurvivesARestart() {
        assertEquals(201, put("/v1/endpoints/kube/dns", "{\"ip\":\"10.0.0.10\",\"ports\":[{\"port\":53,"
                + "\"protocol\":\"udp\",\"idleTimeout\":\"5s\"}]}").status());
        Map<String, Optional<Duration>> before = opener.idleTimeouts();
        assertEquals(Map.of("61000/udp/IPv4", Optional.of(Duration.ofSeconds(5))), before);

        routes = routes(Optional.empty());

        assertEquals(before, opener.idleTimeouts(), "the restored mapping keeps its session idle timeout");
    }
}
