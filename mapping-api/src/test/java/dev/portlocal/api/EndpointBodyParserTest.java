package dev.portlocal.api;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.TargetPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EndpointBodyParserTest {

    private static final EndpointBodyParser PARSER = new EndpointBodyParser(new PortRange(61000, 61099));

    private static Endpoint parse(String json) {
        return PARSER.parse("shop/web", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesTheMappingFileEntryShape() {
        Endpoint endpoint = parse("{\"name\":\"shop/web\",\"ip\":\"10.0.0.1\",\"ports\":["
                + "{\"port\":8080},{\"port\":53,\"protocol\":\"UDP\",\"nodePort\":61005},"
                + "{\"port\":9090,\"protocol\":\"tcp\",\"nodePort\":null}]}");
        assertEquals(new Endpoint("shop/web", Addresses.parseIp("ip", "10.0.0.1"), List.of(
                new EndpointPort(8080, Protocol.TCP),
                new EndpointPort(53, Protocol.UDP, OptionalInt.of(61005)),
                new EndpointPort(9090, Protocol.TCP))), endpoint);
        assertEquals("shop/web", parse("{\"ip\":\"fd00::1\",\"ports\":[{\"port\":1}]}").name(),
                "the name may be left to the path");
    }

    @Test
    void parsesADualStackBody() {
        Endpoint endpoint = parse("{\"ips\":[\"10.0.0.1\",\"fd00::1\"],\"ports\":[{\"port\":8080}]}");
        assertEquals(List.of(Addresses.parseIp("ip", "10.0.0.1"), Addresses.parseIp("ip", "fd00::1")),
                endpoint.ips());
        assertEquals(2, endpoint.keys().size(), "one mapping per family");
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                arguments("", "body", "body: empty"),
                arguments("   ", "body", "body: empty"),
                arguments("{", "body", "malformed JSON at line 1"),
                arguments("{\"ip\":\"10.0.0.1\",}", "body", "malformed JSON"),
                arguments("{\"ip\":\"10.0.0.1\",\"ip\":\"10.0.0.2\",\"ports\":[{\"port\":1}]}", "body",
                        "Duplicate field 'ip'"),
                arguments("{} {}", "body", "malformed JSON"),
                arguments("[]", "body", "body: [] (expected: an object with the fields name, ip, ips, ports)"),
                arguments("\"text\"", "body", "body: \"text\" (expected: an object with the fields"),
                arguments("null", "body", "body: null (expected: an object with the fields"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1}],\"extra\":1}", "extra",
                        "extra: unknown field (expected one of: name, ip, ips, ports)"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"proto\":\"tcp\"}]}", "ports[0].proto",
                        "ports[0].proto: unknown field (expected one of: port, protocol, nodePort, idleTimeout, "
                                + "healthCheck, proxyProtocol, allowFrom, maxConnections, connectTimeout, accessLog)"),
                arguments("{\"name\":7,\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1}]}", "name",
                        "name: 7 (expected: one or two segments"),
                arguments("{\"name\":\"shop/other\",\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1}]}", "name",
                        "expected: the name in the path"),
                arguments("{\"ports\":[{\"port\":1}]}", "ip", "ip: missing"),
                arguments("{\"ip\":null,\"ports\":[{\"port\":1}]}", "ip", "ip: null"),
                arguments("{\"ip\":167772161,\"ports\":[{\"port\":1}]}", "ip", "ip: 167772161"),
                arguments("{\"ip\":\"web.example.com\",\"ports\":[{\"port\":1}]}", "ip",
                        "ip: web.example.com (expected: an IPv4 or IPv6 address)"),
                arguments("{\"ip\":\"10.0.0.256\",\"ports\":[{\"port\":1}]}", "ip", "ip: 10.0.0.256 (expected"),
                arguments("{\"ip\":\"10.0.0.1\",\"ips\":[\"fd00::1\"],\"ports\":[{\"port\":1}]}", "ips",
                        "(expected: either ip or ips, not both)"),
                arguments("{\"ips\":[],\"ports\":[{\"port\":1}]}", "ips", "ips: []"),
                arguments("{\"ips\":[\"10.0.0.1\",\"10.0.0.2\"],\"ports\":[{\"port\":1}]}", "ips[1]",
                        "ips[1]: 10.0.0.2 (expected: one address of each family, IPv4 already given as 10.0.0.1)"),
                arguments("{\"ips\":[\"10.0.0.1\",7],\"ports\":[{\"port\":1}]}", "ips[1]", "ips[1]: 7"),
                arguments("{\"ip\":\"10.0.0.1\"}", "ports", "ports: missing"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[]}", "ports", "ports: []"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":{\"port\":1}}", "ports", "expected: a list"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[8080]}", "ports[0]", "ports[0]: 8080"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{}]}", "ports[0].port", "ports[0].port: missing"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":\"8080\"}]}", "ports[0].port",
                        "ports[0].port: \"8080\" (expected: an integer"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":80.5}]}", "ports[0].port", "80.5"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":8080.0}]}", "ports[0].port", "8080.0"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":true}]}", "ports[0].port", "true"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":0}]}", "ports[0].port",
                        "ports[0].port: 0 (expected: 1-65535)"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":65536}]}", "ports[0].port",
                        "ports[0].port: 65536 (expected: 1-65535)"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":-1}]}", "ports[0].port", "-1"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":99999999999999999999}]}", "ports[0].port",
                        "99999999999999999999 (expected: 1-65535)"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"protocol\":\"sctp\"}]}",
                        "ports[0].protocol", "ports[0].protocol: sctp (expected: tcp or udp)"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"protocol\":6}]}",
                        "ports[0].protocol", "ports[0].protocol: 6"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"nodePort\":70000}]}",
                        "ports[0].nodePort", "ports[0].nodePort: 70000 (expected: inside port range 61000-61099)"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"nodePort\":60999}]}",
                        "ports[0].nodePort", "60999"),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"nodePort\":\"61000\"}]}",
                        "ports[0].nodePort", "\"61000\""),
                arguments("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1},{\"port\":2},{\"port\":1,\"protocol\":"
                        + "\"TCP\"}]}", "ports[2]", "ports[2]: 1/tcp (expected: each port and protocol once, "
                        + "already listed at ports[0])"));
    }

    @ParameterizedTest
    @MethodSource("badBodies")
    void everyBadBodyIsA400NamingTheField(String body, String field, String message) {
        ApiException e = assertThrows(ApiException.class, () -> parse(body));
        assertEquals(400, e.status());
        assertEquals(field, e.error().field(), e.error().toString());
        assertTrue(e.error().error().contains(message), "'" + message + "' in " + e.error().error());
    }

    @Test
    void aRefusedTargetIsA400NamingTheFieldWithTheFilesMessage() {
        ApiException metadata = assertThrows(ApiException.class,
                () -> parse("{\"ip\":\"169.254.169.254\",\"ports\":[{\"port\":80}]}"));
        assertEquals(400, metadata.status());
        assertEquals("ip", metadata.error().field());
        assertEquals("169.254.169.254", metadata.error().value().asText());
        assertEquals("ip: 169.254.169.254 (expected: not link-local (169.254.0.0/16, which holds the cloud metadata "
                + "service 169.254.169.254))", metadata.error().error());
        EndpointBodyParser strict = new EndpointBodyParser(new PortRange(61000, 61099), TargetPolicy.builder()
                .api(Addresses.parseIp("api", "127.0.0.1"), 9180).build());
        ApiException api = assertThrows(ApiException.class, () -> strict.parse("shop/web",
                "{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":9180}]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(400, api.status());
        assertEquals("ports[0].port", api.error().field());
        assertEquals(9180, api.error().value().asInt());
        assertEquals("ports[0].port: 9180 (expected: not this daemon's own API, which listens on 127.0.0.1:9180)",
                api.error().error());
    }

    @Test
    void longValuesAreCutInTheEcho() {
        String longIp = "x".repeat(5000);
        ApiException e = assertThrows(ApiException.class,
                () -> parse("{\"ip\":\"" + longIp + "\",\"ports\":[{\"port\":1}]}"));
        assertEquals("ip", e.error().field());
        assertTrue(e.error().value().asText().length() < 300, "value cut: " + e.error().value().asText().length());
        assertTrue(e.error().error().length() < 400, "message cut: " + e.error().error().length());
    }
}
