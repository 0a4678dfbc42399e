package dev.portlocal.file;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.ProxyProtocol;
import dev.portlocal.model.TargetPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MappingFileParserTest {

    private final MappingFileParser parser = new MappingFileParser(PortRange.DEFAULT);

    private List<Endpoint> parse(String fileName, String content) throws MappingFileException {
        return parser.parse(fileName, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses content expected to be invalid and returns the errors. */
    private List<String> errors(String fileName, String content) {
        MappingFileException e = assertThrows(MappingFileException.class, () -> parse(fileName, content));
        assertEquals(String.join("\n", e.errors()), e.getMessage());
        return e.errors();
    }

    private static void assertSingleError(List<String> errors, String expected) {
        assertEquals(List.of(expected), errors, "errors");
    }

    private static String yamlEntry(String name, String ip, String portsYaml) {
        return "  - name: " + name + "\n    ip: " + ip + "\n    ports:\n" + portsYaml;
    }

    @Test
    void parsesFullYamlExample() throws Exception {
        List<Endpoint> endpoints = parse("endpoints.yaml", """
                endpoints:
                  - name: shop/frontend-6d9c   # a comment
                    ip: 10.244.1.23
                    ports:
                      - port: 8079
                        protocol: tcp
                        nodePort: 61005
                      - port: 53
                        protocol: udp
                      - port: 9090
                  - name: db
                    ip: fd00::17
                    ports:
                      - port: 5432
                """);

        assertEquals(2, endpoints.size());
        Endpoint frontend = endpoints.get(0);
        assertEquals("shop/frontend-6d9c", frontend.name());
        assertEquals(Addresses.parseIp("ip", "10.244.1.23"), frontend.ip());
        assertEquals(List.of(
                EndpointPort.pinned(8079, Protocol.TCP, 61005),
                new EndpointPort(53, Protocol.UDP),
                new EndpointPort(9090, Protocol.TCP)), frontend.ports());
        Endpoint db = endpoints.get(1);
        assertEquals(IpFamily.IPv6, IpFamily.of(db.ip()));
        assertEquals(List.of(new EndpointPort(5432, Protocol.TCP, OptionalInt.empty())), db.ports());
    }

    @Test
    void aDualStackEndpointListsOneAddressOfEachFamily() throws Exception {
        List<Endpoint> endpoints = parser.parse("endpoints.yaml", """
                endpoints:
                  - name: shop/web
                    ips: [10.244.1.23, "fd00:10:244:1::17"]
                    ports:
                      - port: 8080
                        nodePort: 61005
                """.getBytes(StandardCharsets.UTF_8));
        Endpoint web = endpoints.get(0);
        assertEquals(List.of(Addresses.parseIp("ip", "10.244.1.23"), Addresses.parseIp("ip", "fd00:10:244:1::17")),
                web.ips());
        assertEquals(List.of(new MappingKey("shop/web", 8080, Protocol.TCP, IpFamily.IPv4),
                new MappingKey("shop/web", 8080, Protocol.TCP, IpFamily.IPv6)), web.keys(),
                "the same pinned node port in each family: separate port spaces");
    }

    @Test
    void badDualStackAddressesAreNamed() {
        MappingFileException e = assertThrows(MappingFileException.class, () -> parser.parse("endpoints.yaml", """
                endpoints:
                  - name: a
                    ip: 10.0.0.1
                    ips: ["fd00::1"]
                    ports: [{port: 80}]
                  - name: b
                    ips: [10.0.0.1, 10.0.0.2]
                    ports: [{port: 80}]
                  - name: c
                    ips: []
                    ports: [{port: 80}]
                """.getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0] (a): ips: [\"fd00::1\"] (expected: either ip or ips, not both)",
                "endpoints.yaml: endpoints[1] (b): ips[1]: 10.0.0.2 (expected: one address of each family, "
                        + "IPv4 already given as 10.0.0.1)",
                "endpoints.yaml: endpoints[2] (c): ips: [] (expected: one address, or one of each family)"),
                e.errors());
    }

    @Test
    void aUdpPortMayCarryItsOwnSessionIdleTimeout() throws Exception {
        List<Endpoint> endpoints = parser.parse("endpoints.yaml", """
                endpoints:
                  - name: kube/dns
                    ip: 10.0.0.10
                    ports:
                      - port: 53
                        protocol: udp
                        idleTimeout: 5s
                """.getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(Duration.ofSeconds(5)), endpoints.get(0).ports().get(0).idleTimeout());
    }

    @Test
    void badIdleTimeoutsAreNamed() {
        MappingFileException e = assertThrows(MappingFileException.class, () -> parser.parse("endpoints.yaml", """
                endpoints:
                  - name: a
                    ip: 10.0.0.1
                    ports:
                      - port: 80
                        idleTimeout: 25h
                      - port: 53
                        protocol: udp
                        idleTimeout: soon
                """.getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0] (a): ports[0].idleTimeout: 25h (expected: more than 0, at most 24h)",
                "endpoints.yaml: endpoints[0] (a): ports[1].idleTimeout: soon (expected: a duration such as 500ms, "
                        + "30s, 5m, 1h)"),
                e.errors());
    }

    @Test
    void parsesJsonAndYmlLikeYaml() throws Exception {
        String json = """
                {"endpoints": [{"name": "shop/web", "ip": "10.0.0.1",
                  "ports": [{"port": 8080, "protocol": "UDP", "nodePort": 61999}]}]}
                """;
        List<Endpoint> fromJson = parse("endpoints.json", json);
        List<Endpoint> fromYml = parse("endpoints.yml", """
                endpoints:
                  - name: shop/web
                    ip: 10.0.0.1
                    ports: [{port: 8080, protocol: udp, nodePort: 61999}]
                """);

        assertEquals(List.of(new Endpoint("shop/web", Addresses.parseIp("ip", "10.0.0.1"),
                List.of(EndpointPort.pinned(8080, Protocol.UDP, 61999)))), fromJson);
        assertEquals(fromJson, fromYml);
    }

    @Test
    void onlyAnExplicitEmptyListMeansNoEndpoints() throws Exception {
        assertEquals(List.of(), parse("endpoints.yaml", "endpoints: []\n"));
        assertEquals(List.of(), parse("endpoints.json", "{\"endpoints\": []}"));
    }

    /** A zero-byte file is almost always a truncated write; taking it as "no endpoints" would withdraw them all. */
    @Test
    void anEmptyFileIsRefused() {
        for (String blank : List.of("", "  \n", "\n\n\t\n")) {
            assertSingleError(errors("endpoints.yaml", blank), "endpoints.yaml: empty file (expected: endpoints: [] "
                    + "for no endpoints; an empty file is taken for a truncated write)");
            assertSingleError(errors("endpoints.json", blank), "endpoints.json: empty file (expected: endpoints: [] "
                    + "for no endpoints; an empty file is taken for a truncated write)");
        }
    }

    @Test
    void aFileWithoutTheEndpointsListIsRefused() {
        assertSingleError(errors("endpoints.yaml", "# nothing yet\n"),
                "endpoints.yaml: endpoints: missing (expected: a list, [] for no endpoints)");
        assertSingleError(errors("endpoints.json", "{}"),
                "endpoints.json: endpoints: missing (expected: a list, [] for no endpoints)");
        assertSingleError(errors("endpoints.yaml", "endpoints:\n"),
                "endpoints.yaml: endpoints: null (expected: a list, [] for no endpoints)");
    }

    @Test
    void parsesFromPathUsingFileNameInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mappings.yaml");
        Files.writeString(file, "endpoints:\n" + yamlEntry("web", "10.0.0.1", "      - port: 0\n"));

        MappingFileException e = assertThrows(MappingFileException.class, () -> parser.parse(file));
        assertSingleError(e.errors(), "mappings.yaml: endpoints[0] (web): ports[0].port: 0 (expected: 1-65535)");
    }

    @Test
    void missingFileIsAnErrorNamingIt(@TempDir Path dir) {
        Path file = dir.resolve("absent.yaml");
        MappingFileException e = assertThrows(MappingFileException.class, () -> parser.parse(file));
        assertTrue(e.getMessage().startsWith("absent.yaml: missing "), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void unsupportedExtensionNamesTheFile() {
        assertSingleError(errors("endpoints.txt", "endpoints: []"),
                "endpoints.txt: unsupported file type (expected: a name ending in .yaml, .yml or .json)");
    }

    @Test
    void invalidNameFormats() {
        for (String bad : List.of("-web", "web-", "a//b", "a/b/c", "/web", "web/", "we b", "Shop/fr@nt",
                "x".repeat(254))) {
            List<String> errors = errors("endpoints.yaml",
                    "endpoints:\n" + yamlEntry("'" + bad + "'", "10.0.0.1", "      - port: 80\n"));
            String shown = bad.length() > 80 ? bad.substring(0, 80) + "..." : bad;
            assertSingleError(errors, "endpoints.yaml: endpoints[0] (" + bad + "): name: " + shown
                    + " (expected: " + Endpoint.NAME_EXPECTED + ")");
        }
    }

    @Test
    void validNameFormats() throws Exception {
        for (String good : List.of("a", "web", "shop/web-1", "Shop.v2/Front_end-6d9c", "x".repeat(253),
                "x".repeat(253) + "/" + "y".repeat(253))) {
            List<Endpoint> endpoints = parse("endpoints.yaml",
                    "endpoints:\n" + yamlEntry(good, "10.0.0.1", "      - port: 80\n"));
            assertEquals(good, endpoints.get(0).name());
        }
    }

    @Test
    void missingFieldsAreNamed() {
        List<String> errors = errors("endpoints.yaml", """
                endpoints:
                  - ip: 10.0.0.1
                    ports: [{port: 80}]
                  - name: b
                  - name: c
                    ip: 10.0.0.3
                    ports: []
                  - name: d
                    ip: 10.0.0.4
                    ports: [{protocol: udp}]
                """);
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0]: name: missing (expected: " + Endpoint.NAME_EXPECTED + ")",
                "endpoints.yaml: endpoints[1] (b): ip: missing (expected: an IPv4 or IPv6 address, or ips: "
                        + "[IPv4, IPv6])",
                "endpoints.yaml: endpoints[1] (b): ports: missing (expected: a list of at least one port)",
                "endpoints.yaml: endpoints[2] (c): ports: [] (expected: at least one port)",
                "endpoints.yaml: endpoints[3] (d): ports[0].port: missing (expected: an integer, 1-65535)"), errors);
    }

    @Test
    void duplicateNames() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n"
                + yamlEntry("shop/web", "10.0.0.1", "      - port: 80\n")
                + yamlEntry("shop/db", "10.0.0.2", "      - port: 80\n")
                + yamlEntry("shop/web", "10.0.0.3", "      - port: 81\n"));
        assertSingleError(errors, "endpoints.yaml: endpoints[2] (shop/web): name: shop/web "
                + "(expected: unique, already used by endpoints[0])");
    }

    @Test
    void invalidIps() {
        for (String bad : List.of("localhost", "example.com", "10.0.0.256", "10.0.0", "::g")) {
            List<String> errors = errors("endpoints.yaml",
                    "endpoints:\n" + yamlEntry("web", "'" + bad + "'", "      - port: 80\n"));
            assertSingleError(errors,
                    "endpoints.yaml: endpoints[0] (web): ip: " + bad + " (expected: an IPv4 or IPv6 address)");
        }
    }

    @Test
    void targetsThePolicyRefusesRejectTheFileWholeNamingTheField() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n"
                + yamlEntry("ok", "10.0.0.1", "      - port: 80\n")
                + yamlEntry("metadata", "169.254.169.254", "      - port: 80\n")
                + yamlEntry("mapped", "'::ffff:169.254.169.254'", "      - port: 80\n")
                + "  - name: dual\n    ips: [10.0.0.2, 'ff02::1']\n    ports:\n      - port: 80\n");
        assertEquals(List.of(
                "endpoints.yaml: endpoints[1] (metadata): ip: 169.254.169.254 (expected: not link-local "
                        + "(169.254.0.0/16, which holds the cloud metadata service 169.254.169.254))",
                "endpoints.yaml: endpoints[2] (mapped): ip: 169.254.169.254 (expected: not link-local "
                        + "(169.254.0.0/16, which holds the cloud metadata service 169.254.169.254))",
                "endpoints.yaml: endpoints[3] (dual): ips[1]: ff02::1 (expected: a unicast address, not multicast "
                        + "(ff00::/8))"), errors);
    }

    @Test
    void aMappingToTheDaemonsOwnApiIsRefused() {
        TargetPolicy policy = TargetPolicy.builder().api(Addresses.parseIp("api", "127.0.0.1"), 9180)
                .nodePorts(PortRange.DEFAULT, List.of(Addresses.parseIp("l", "0.0.0.0"))).build();
        MappingFileParser strict = new MappingFileParser(PortRange.DEFAULT, policy);
        MappingFileException e = assertThrows(MappingFileException.class, () -> strict.parse("endpoints.yaml",
                ("endpoints:\n" + yamlEntry("api", "127.0.0.1", "      - port: 80\n      - port: 9180\n")
                        + yamlEntry("loop", "127.0.0.1", "      - port: 61000\n"))
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0] (api): ports[1].port: 9180 (expected: not this daemon's own API, "
                        + "which listens on 127.0.0.1:9180)",
                "endpoints.yaml: endpoints[1] (loop): ports[0].port: 61000 (expected: not a node port of this "
                        + "daemon (61000-62000) on its own address 127.0.0.1: the mapping would loop through itself)"),
                e.errors());
    }

    @Test
    void portsOutsideOneTo65535() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n" + yamlEntry("web", "10.0.0.1", """
                      - port: 0
                      - port: 65536
                      - port: -1
                      - port: 99999999999
                      - port: 65535
                      - port: 80
                        nodePort: 99999999999999999999
                """));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0] (web): ports[0].port: 0 (expected: 1-65535)",
                "endpoints.yaml: endpoints[0] (web): ports[1].port: 65536 (expected: 1-65535)",
                "endpoints.yaml: endpoints[0] (web): ports[2].port: -1 (expected: 1-65535)",
                "endpoints.yaml: endpoints[0] (web): ports[3].port: 99999999999 (expected: 1-65535)",
                "endpoints.yaml: endpoints[0] (web): ports[5].nodePort: 99999999999999999999 (expected: inside "
                        + "port range 61000-62000)"),
                errors);
    }

    @Test
    void unknownProtocol() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n" + yamlEntry("web", "10.0.0.1",
                "      - port: 80\n        protocol: sctp\n"));
        assertSingleError(errors, "endpoints.yaml: endpoints[0] (web): ports[0].protocol: sctp "
                + "(expected: tcp or udp)");
    }

    @Test
    void pinnedNodePortOutsideRange() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n"
                + yamlEntry("shop/db", "10.0.0.2", "      - port: 80\n        nodePort: 61000\n")
                + yamlEntry("shop/web", "10.0.0.1", """
                      - port: 80
                        nodePort: 70000
                      - port: 81
                        nodePort: 60999
                      - port: 82
                        nodePort: 62001
                      - port: 83
                        nodePort: 62000
                """));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[1] (shop/web): ports[0].nodePort: 70000 "
                        + "(expected: inside port range 61000-62000)",
                "endpoints.yaml: endpoints[1] (shop/web): ports[1].nodePort: 60999 "
                        + "(expected: inside port range 61000-62000)",
                "endpoints.yaml: endpoints[1] (shop/web): ports[2].nodePort: 62001 "
                        + "(expected: inside port range 61000-62000)"), errors);
    }

    @Test
    void samePortAndProtocolTwiceInOneEntry() throws Exception {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n" + yamlEntry("web", "10.0.0.1", """
                      - port: 80
                      - port: 80
                        protocol: udp
                      - port: 80
                        protocol: TCP
                """));
        assertSingleError(errors, "endpoints.yaml: endpoints[0] (web): ports[2]: 80/tcp "
                + "(expected: each port and protocol once, already listed at ports[0])");
    }

    @Test
    void samePinnedNodePortForSameProtocolAndFamily() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n"
                + yamlEntry("shop/a", "10.0.0.1", """
                      - port: 80
                        nodePort: 61005
                      - port: 81
                        nodePort: 61006
                """)
                + yamlEntry("shop/b", "10.0.0.2", "      - port: 80\n        nodePort: 61005\n")
                + yamlEntry("shop/c", "10.0.0.3", """
                      - port: 80
                        nodePort: 61007
                      - port: 81
                        nodePort: 61007
                """));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[1] (shop/b): ports[0].nodePort: 61005 (expected: unique per protocol "
                        + "and IP family, already pinned by endpoints[0] (shop/a) ports[0])",
                "endpoints.yaml: endpoints[2] (shop/c): ports[1].nodePort: 61007 (expected: unique per protocol, "
                        + "already pinned by ports[0])"), errors);
    }

    @Test
    void samePinnedNodePortIsFineAcrossProtocolsAndFamilies() throws Exception {
        List<Endpoint> endpoints = parse("endpoints.yaml", "endpoints:\n"
                + yamlEntry("v4", "10.0.0.1", """
                      - port: 80
                        nodePort: 61005
                      - port: 80
                        protocol: udp
                        nodePort: 61005
                """)
                + yamlEntry("v6", "fd00::1", "      - port: 80\n        nodePort: 61005\n"));
        assertEquals(3, endpoints.stream().mapToInt(e -> e.ports().size()).sum());
    }

    @Test
    void unknownFieldsAtEveryLevel() {
        List<String> errors = errors("endpoints.yaml", """
                endpoint: []
                endpoints:
                  - name: web
                    ip: 10.0.0.1
                    labels: {a: b}
                    ports: [{port: 80}]
                  - name: db
                    ip: 10.0.0.2
                    ports: [{port: 80, nodeport: 61001}]
                """);
        assertEquals(List.of(
                "endpoints.yaml: endpoint: unknown field (expected: endpoints)",
                "endpoints.yaml: endpoints[0] (web): labels: unknown field (expected one of: name, ip, ips, ports)",
                "endpoints.yaml: endpoints[1] (db): ports[0].nodeport: unknown field "
                        + "(expected one of: port, protocol, nodePort, idleTimeout, healthCheck, proxyProtocol, "
                        + "allowFrom, maxConnections, connectTimeout, accessLog)"),
                errors);
    }

    @Test
    void aProxyProtocolIsReadFromYamlAndRefusedOnUdp() throws Exception {
        List<Endpoint> endpoints = parse("endpoints.yaml", "endpoints:\n" + yamlEntry("web", "10.0.0.1",
                "      - port: 80\n        proxyProtocol: v1\n      - port: 443\n        proxyProtocol: v2\n"));
        assertEquals(List.of(Optional.of(ProxyProtocol.V1), Optional.of(ProxyProtocol.V2)),
                endpoints.get(0).ports().stream().map(EndpointPort::proxyProtocol).toList());
        assertSingleError(errors("endpoints.yaml", "endpoints:\n" + yamlEntry("dns", "10.0.0.2",
                        "      - port: 53\n        protocol: udp\n        proxyProtocol: v2\n")),
                "endpoints.yaml: endpoints[0] (dns): ports[0].proxyProtocol: v2 (expected: only on tcp ports; the "
                        + "PROXY protocol header is not written on udp)");
        assertSingleError(errors("endpoints.yaml", "endpoints:\n" + yamlEntry("web", "10.0.0.1",
                        "      - port: 80\n        proxyProtocol: 1\n")),
                "endpoints.yaml: endpoints[0] (web): ports[0].proxyProtocol: 1 (expected: v1 or v2)");
    }

    @Test
    void wrongTypesAreNotCoerced() {
        List<String> errors = errors("endpoints.yaml", """
                endpoints:
                  - name: web
                    ip: 10.0.0.1
                    ports:
                      - port: "8080"
                      - port: 8081
                        nodePort: 61001.5
                      - port: 8082
                        protocol: 6
                      - port: true
                  - name: 42
                    ip: 10.0.0.2
                    ports: [{port: 80}]
                  - name: db
                    ip: 10.0.0.3
                    ports: {port: 80}
                  - name: cache
                    ip: [10.0.0.4]
                    ports: [{port: 80}]
                """);
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0] (web): ports[0].port: \"8080\" (expected: an integer, 1-65535)",
                "endpoints.yaml: endpoints[0] (web): ports[1].nodePort: 61001.5 (expected: an integer inside port "
                        + "range 61000-62000)",
                "endpoints.yaml: endpoints[0] (web): ports[2].protocol: 6 (expected: tcp or udp)",
                "endpoints.yaml: endpoints[0] (web): ports[3].port: true (expected: an integer, 1-65535)",
                "endpoints.yaml: endpoints[1]: name: 42 (expected: " + Endpoint.NAME_EXPECTED + ")",
                "endpoints.yaml: endpoints[2] (db): ports: {\"port\":80} (expected: a list of at least one port)",
                "endpoints.yaml: endpoints[3] (cache): ip: [\"10.0.0.4\"] (expected: an IPv4 or IPv6 address)"),
                errors);
    }

    @Test
    void wrongTypesInJson() {
        List<String> errors = errors("endpoints.json", """
                {"endpoints": [{"name": "web", "ip": "10.0.0.1", "ports": [{"port": "80"}]}]}
                """);
        assertSingleError(errors, "endpoints.json: endpoints[0] (web): ports[0].port: \"80\" (expected: an integer, "
                + "1-65535)");
    }

    @Test
    void wrongShapesAtTheTop() {
        assertSingleError(errors("endpoints.yaml", "- a\n- b\n"),
                "endpoints.yaml: [\"a\",\"b\"] (expected: an object with the field endpoints)");
        assertSingleError(errors("endpoints.yaml", "endpoints: web\n"),
                "endpoints.yaml: endpoints: \"web\" (expected: a list, [] for no endpoints)");
        assertSingleError(errors("endpoints.yaml", "endpoints:\n  - web\n"),
                "endpoints.yaml: endpoints[0]: \"web\" (expected: an object with the fields name, ip, ips, ports)");
        assertSingleError(errors("endpoints.yaml", "endpoints:\n" + yamlEntry("web", "10.0.0.1", "      - 80\n")),
                "endpoints.yaml: endpoints[0] (web): ports[0]: 80 "
                        + "(expected: an object with the fields port, protocol, nodePort, idleTimeout, healthCheck, "
                        + "proxyProtocol, allowFrom, maxConnections, connectTimeout, accessLog)");
    }

    @Test
    void collectsAllErrorsAcrossEntries() {
        List<String> errors = errors("endpoints.yaml", "endpoints:\n"
                + yamlEntry("shop/web", "10.0.0.1", """
                      - port: 70000
                        protocol: icmp
                        nodePort: 1
                """)
                + yamlEntry("shop/web", "not-an-ip", "      - port: 80\n"));
        assertEquals(List.of(
                "endpoints.yaml: endpoints[0] (shop/web): ports[0].port: 70000 (expected: 1-65535)",
                "endpoints.yaml: endpoints[0] (shop/web): ports[0].protocol: icmp (expected: tcp or udp)",
                "endpoints.yaml: endpoints[0] (shop/web): ports[0].nodePort: 1 "
                        + "(expected: inside port range 61000-62000)",
                "endpoints.yaml: endpoints[1] (shop/web): name: shop/web (expected: unique, already used by "
                        + "endpoints[0])",
                "endpoints.yaml: endpoints[1] (shop/web): ip: not-an-ip (expected: an IPv4 or IPv6 address)"),
                errors);
    }

    @Test
    void yamlSyntaxErrorNamesLineAndColumn() {
        List<String> errors = errors("endpoints.yaml", """
                endpoints:
                  - name: web
                    ip: 10.0.0.1
                   ports: [
                """);
        assertEquals(1, errors.size());
        assertEquals("endpoints.yaml: line 4, column 4: expected <block end>, but found '<block mapping start>' "
                + "(while parsing a block collection)", errors.get(0));
    }

    @Test
    void jsonSyntaxErrorNamesLineAndColumn() {
        List<String> errors = errors("endpoints.json", "{\"endpoints\": [\n  {\"name\": \"web\"}\n}");
        assertSingleError(errors, "endpoints.json: line 3, column 1: Unexpected close marker '}': expected ']'");
    }

    @Test
    void moreThanOneYamlDocumentIsAnError() {
        assertSingleError(errors("endpoints.yaml", "endpoints: []\n---\nendpoints: []\n"),
                "endpoints.yaml: line 3, column 1: more than one document (expected: a single document)");
    }

    @Test
    void duplicateKeyInOneEntryIsAnError() {
        List<String> errors = errors("endpoints.json",
                "{\"endpoints\": [{\"name\": \"web\", \"name\": \"db\", \"ip\": \"10.0.0.1\", \"ports\": []}]}");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("endpoints.json: line 1, column "), errors.get(0));
        assertTrue(errors.get(0).contains("name"), errors.get(0));
    }

    @Test
    void rangeComesFromTheConstructor() throws Exception {
        MappingFileParser narrow = new MappingFileParser(new PortRange(40000, 40010));
        List<Endpoint> endpoints = narrow.parse("e.yaml", ("endpoints:\n"
                + yamlEntry("web", "10.0.0.1", "      - port: 80\n        nodePort: 40010\n"))
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(OptionalInt.of(40010), endpoints.get(0).ports().get(0).nodePort());
        assertEquals(new PortRange(40000, 40010), narrow.range());
    }
}
