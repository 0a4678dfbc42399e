package dev.portlocal.reader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Cidr;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.HealthCheck;
import dev.portlocal.model.PortPolicy;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointReaderTest {

    private static final EndpointReader READER = new EndpointReader(new PortRange(61000, 61099));
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    private static List<String> messages(Problems problems) {
        return problems.list().stream().map(Problem::message).toList();
    }

    @Test
    void readsAnEndpointWithEveryField() {
        Problems problems = Problems.all();
        Optional<Endpoint> endpoint = READER.read(tree("{\"name\":\"kube/dns\",\"ips\":[\"10.0.0.10\",\"fd00::a\"],"
                + "\"ports\":[{\"port\":53,\"protocol\":\"UDP\",\"nodePort\":61053,\"idleTimeout\":\"5s\"},"
                + "{\"port\":53,\"nodePort\":null}]}"), problems);
        assertEquals(List.of(), problems.list());
        assertEquals(Optional.of(new Endpoint("kube/dns",
                List.of(Addresses.parseIp("ip", "10.0.0.10"), Addresses.parseIp("ip", "fd00::a")),
                List.of(new EndpointPort(53, Protocol.UDP, OptionalInt.of(61053), Optional.of(Duration.ofSeconds(5))),
                        new EndpointPort(53, Protocol.TCP)))), endpoint);
    }

    @Test
    void collectsEveryProblemOrStopsAtTheFirstWhichIsTheSame() {
        JsonNode bad = tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"extra\":1,\"ports\":[{\"port\":70000,"
                + "\"protocol\":\"icmp\",\"nodePort\":1},"
                + "{\"port\":80,\"protocol\":\"udp\",\"connectTimeout\":\"5s\"}]}");
        Problems all = Problems.all();
        assertEquals(Optional.empty(), READER.read(bad, all));
        assertEquals(List.of(
                "extra: unknown field (expected one of: name, ip, ips, ports)",
                "ports[0].port: 70000 (expected: 1-65535)",
                "ports[0].protocol: icmp (expected: tcp or udp)",
                "ports[0].nodePort: 1 (expected: inside port range 61000-61099)",
                "ports[1].connectTimeout: 5s (expected: only on tcp ports; udp has no connect)"), messages(all));

        Problems first = Problems.first();
        assertEquals(Optional.empty(), READER.read(bad, first));
        assertEquals(List.of(all.list().get(0)), first.list());
    }

    @Test
    void aProblemNamesItsFieldAndRepeatsTheValueAsWritten() {
        Problems problems = Problems.all();
        READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":\"8080\"},{\"port\":81},"
                + "{\"port\":81}]}"), problems);
        Problem wrongType = problems.list().get(0);
        assertEquals("ports[0].port", wrongType.field());
        assertEquals(tree("\"8080\""), wrongType.value());
        assertEquals("ports[0].port: \"8080\" (expected: an integer, 1-65535)", wrongType.message());

        problems = Problems.all();
        READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80},{\"port\":81},"
                + "{\"port\":81,\"protocol\":\"tcp\"}]}"), problems);
        Problem twice = problems.list().get(0);
        assertEquals("ports[2]", twice.field(), "a rule of the record, located in the tree");
        assertEquals(tree("{\"port\":81,\"protocol\":\"tcp\"}"), twice.value());
        assertEquals("ports[2]: 81/tcp (expected: each port and protocol once, already listed at ports[1])",
                twice.message());
    }

    @Test
    void aProblemOfTheWholeObjectHasAnEmptyField() {
        Problems problems = Problems.all();
        READER.read(tree("[1]"), problems);
        assertEquals(List.of(new Problem("", tree("[1]"), "[1] (expected: an object with the fields name, ip, ips, "
                + "ports)")), problems.list());
    }

    @Test
    void theNameIsRequiredUnlessTheCallerGivesIt() {
        JsonNode unnamed = tree("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}");
        Problems named = Problems.all();
        assertEquals(Optional.empty(), READER.read(unnamed, named));
        assertEquals(List.of("name: missing (expected: " + Endpoint.NAME_EXPECTED + ")"), messages(named));

        assertEquals("shop/web", READER.read(unnamed, "shop/web", Problems.all()).orElseThrow().name());
        Problems mismatch = Problems.all();
        READER.read(tree("{\"name\":\"shop/db\",\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80}]}"), "shop/web", mismatch);
        assertEquals(List.of("name: shop/db (expected: the name in the path, shop/web, or no name)"),
                messages(mismatch));
    }

    @Test
    void ipOrIpsExactlyOnce() {
        Problems neither = Problems.all();
        READER.read(tree("{\"name\":\"a\",\"ports\":[{\"port\":80}]}"), neither);
        assertEquals(List.of("ip: missing (expected: an IPv4 or IPv6 address, or ips: [IPv4, IPv6])"),
                messages(neither));
        Problems both = Problems.all();
        READER.read(tree("{\"name\":\"a\",\"ip\":\"10.0.0.1\",\"ips\":[\"fd00::1\"],\"ports\":[{\"port\":80}]}"),
                both);
        assertEquals(List.of("ips: [\"fd00::1\"] (expected: either ip or ips, not both)"), messages(both));
        Problems nullIp = Problems.all();
        READER.read(tree("{\"name\":\"a\",\"ip\":null,\"ips\":[\"fd00::1\"],\"ports\":[{\"port\":80}]}"), nullIp);
        assertEquals(List.of(), nullIp.list(), "null is absent");
    }

    @Test
    void longValuesAreCutInMessages() {
        Problems problems = Problems.all();
        READER.read(tree("{\"name\":\"a\",\"ip\":\"" + "x".repeat(5000) + "\",\"ports\":[{\"port\":80}]}"), problems);
        String message = problems.list().get(0).message();
        assertTrue(message.startsWith("ip: " + "x".repeat(80) + "... (expected: an IPv4 or IPv6 address)"), message);
        assertEquals(5000, problems.list().get(0).value().asText().length(), "the value itself is kept whole");
    }

    @Test
    void aHealthCheckTakesEveryDefaultOrEachKey() {
        Problems problems = Problems.all();
        Endpoint endpoint = READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":80,\"healthCheck\":{}},"
                + "{\"port\":81,\"healthCheck\":{\"interval\":\"500ms\",\"timeout\":\"200ms\",\"rise\":3,\"fall\":1}},"
                + "{\"port\":82,\"healthCheck\":{\"interval\":\"300ms\"}},"
                + "{\"port\":83,\"healthCheck\":null}]}"), problems).orElseThrow();
        assertEquals(List.of(), problems.list());
        assertEquals(Optional.of(HealthCheck.DEFAULT), endpoint.ports().get(0).healthCheck());
        assertEquals(Optional.of(new HealthCheck(Duration.ofMillis(500), Duration.ofMillis(200), 3, 1)),
                endpoint.ports().get(1).healthCheck());
        assertEquals(Optional.of(new HealthCheck(Duration.ofMillis(300), Duration.ofMillis(300), 2, 2)),
                endpoint.ports().get(2).healthCheck(), "without a timeout: 1 s, or the interval if shorter");
        assertEquals(Optional.empty(), endpoint.ports().get(3).healthCheck());
    }

    @Test
    void aBadHealthCheckNamesItsField() {
        Problems problems = Problems.all();
        READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":80,\"healthCheck\":{\"interval\":\"50ms\",\"rise\":0,\"fall\":\"2\",\"every\":1}},"
                + "{\"port\":81,\"healthCheck\":{\"interval\":\"1s\",\"timeout\":\"2s\"}},"
                + "{\"port\":53,\"protocol\":\"udp\",\"healthCheck\":{}},"
                + "{\"port\":82,\"healthCheck\":true}]}"), problems);
        assertEquals(List.of(
                "ports[0].healthCheck.every: unknown field (expected one of: interval, timeout, rise, fall)",
                "ports[0].healthCheck.interval: 50ms (expected: a duration from 100ms to 1h)",
                "ports[0].healthCheck.rise: 0 (expected: an integer, 1-100)",
                "ports[0].healthCheck.fall: \"2\" (expected: an integer, 1-100)",
                "ports[1].healthCheck.timeout: 2s (expected: more than 0, at most the interval, 1s)",
                "ports[2].healthCheck: {interval 2s timeout 1s rise 2 fall 2} (expected: only on tcp ports; a udp "
                        + "mapping follows its source's readiness)",
                "ports[3].healthCheck: true (expected: an object with the fields interval, timeout, rise, fall)"),
                messages(problems));
    }

    @Test
    void aProxyProtocolIsV1OrV2InAnyCase() {
        Problems problems = Problems.all();
        Endpoint endpoint = READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":80,\"proxyProtocol\":\"v1\"},"
                + "{\"port\":81,\"proxyProtocol\":\"V2\",\"protocol\":\"tcp\"},"
                + "{\"port\":82,\"proxyProtocol\":null},"
                + "{\"port\":83}]}"), problems).orElseThrow();
        assertEquals(List.of(), problems.list());
        assertEquals(Optional.of(ProxyProtocol.V1), endpoint.ports().get(0).proxyProtocol());
        assertEquals(Optional.of(ProxyProtocol.V2), endpoint.ports().get(1).proxyProtocol());
        assertEquals(Optional.empty(), endpoint.ports().get(2).proxyProtocol());
        assertEquals(Optional.empty(), endpoint.ports().get(3).proxyProtocol());
        assertEquals("80/tcp proxyProtocol v1", endpoint.ports().get(0).toString());
    }

    @Test
    void aBadProxyProtocolNamesItsFieldAndUdpIsRefused() {
        Problems problems = Problems.all();
        READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":80,\"proxyProtocol\":\"v3\"},"
                + "{\"port\":81,\"proxyProtocol\":2},"
                + "{\"port\":82,\"proxyProtocol\":true},"
                + "{\"port\":53,\"protocol\":\"udp\",\"proxyProtocol\":\"v2\"}]}"), problems);
        assertEquals(List.of(
                "ports[0].proxyProtocol: v3 (expected: v1 or v2)",
                "ports[1].proxyProtocol: 2 (expected: v1 or v2)",
                "ports[2].proxyProtocol: true (expected: v1 or v2)",
                "ports[3].proxyProtocol: v2 (expected: only on tcp ports; the PROXY protocol header is not written "
                        + "on udp)"),
                messages(problems));
    }

    @Test
    void aPortPolicyTakesEachFieldAndAnIdleTimeoutOnTcp() {
        Problems problems = Problems.all();
        Endpoint endpoint = READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":80,\"allowFrom\":[\"10.0.0.0/8\",\"fd00::/8\",\"192.0.2.7\"],\"maxConnections\":2,"
                + "\"connectTimeout\":\"500ms\",\"idleTimeout\":\"30s\",\"accessLog\":false},"
                + "{\"port\":53,\"protocol\":\"udp\",\"allowFrom\":[\"0.0.0.0/0\"],\"maxConnections\":1},"
                + "{\"port\":81,\"allowFrom\":null,\"maxConnections\":null}]}"), problems).orElseThrow();
        assertEquals(List.of(), problems.list());
        PortPolicy web = endpoint.ports().get(0).policy();
        assertEquals(List.of(Cidr.parse("c", "10.0.0.0/8"), Cidr.parse("c", "fd00::/8"),
                Cidr.parse("c", "192.0.2.7/32")), web.allowFrom());
        assertEquals(OptionalInt.of(2), web.maxConnections());
        assertEquals(Optional.of(Duration.ofMillis(500)), web.connectTimeout());
        assertEquals(Optional.of(false), web.accessLog());
        assertEquals(Optional.of(Duration.ofSeconds(30)), endpoint.ports().get(0).idleTimeout());
        assertEquals("80/tcp idleTimeout 30s allowFrom [10.0.0.0/8, fd00::/8, 192.0.2.7/32] maxConnections 2 "
                + "connectTimeout 500ms accessLog false", endpoint.ports().get(0).toString());
        assertEquals(OptionalInt.of(1), endpoint.ports().get(1).policy().maxConnections());
        assertEquals(PortPolicy.NONE, endpoint.ports().get(2).policy());
    }

    @Test
    void aBadPortPolicyNamesEachFieldAndTheWholeEndpointIsRefused() {
        Problems problems = Problems.all();
        Optional<Endpoint> read = READER.read(tree("{\"name\":\"web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":80,\"allowFrom\":[\"10.0.0.1/8\",\"nope\",7]},"
                + "{\"port\":81,\"allowFrom\":[]},"
                + "{\"port\":82,\"allowFrom\":\"10.0.0.0/8\"},"
                + "{\"port\":83,\"maxConnections\":0},"
                + "{\"port\":84,\"maxConnections\":-3},"
                + "{\"port\":85,\"maxConnections\":\"10\"},"
                + "{\"port\":86,\"connectTimeout\":\"0s\"},"
                + "{\"port\":87,\"connectTimeout\":\"11m\"},"
                + "{\"port\":88,\"idleTimeout\":\"0s\"},"
                + "{\"port\":89,\"accessLog\":\"yes\"},"
                + "{\"port\":53,\"protocol\":\"udp\",\"accessLog\":true},"
                + "{\"port\":90}]}"), problems);
        assertEquals(Optional.empty(), read);
        assertEquals(List.of(
                "ports[0].allowFrom[0]: 10.0.0.1/8 (expected: " + Cidr.EXPECTED + ", no bits set past the prefix "
                        + "length)",
                "ports[0].allowFrom[1]: nope (expected: " + Cidr.EXPECTED + ")",
                "ports[0].allowFrom[2]: 7 (expected: " + Cidr.EXPECTED + ")",
                "ports[1].allowFrom: [] (expected: " + PortPolicy.ALLOW_FROM_EXPECTED + ")",
                "ports[2].allowFrom: \"10.0.0.0/8\" (expected: " + PortPolicy.ALLOW_FROM_EXPECTED + ")",
                "ports[3].maxConnections: 0 (expected: an integer, at least 1)",
                "ports[4].maxConnections: -3 (expected: an integer, at least 1)",
                "ports[5].maxConnections: \"10\" (expected: an integer, at least 1)",
                "ports[6].connectTimeout: 0s (expected: more than 0, at most 10m)",
                "ports[7].connectTimeout: 11m (expected: more than 0, at most 10m)",
                "ports[8].idleTimeout: 0s (expected: more than 0, at most 24h)",
                "ports[9].accessLog: \"yes\" (expected: true or false)",
                "ports[10].accessLog: true (expected: only on tcp ports; the access log has a line per TCP "
                        + "connection)"),
                messages(problems));
    }
}
