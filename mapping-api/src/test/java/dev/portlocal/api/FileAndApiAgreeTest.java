package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portlocal.control.HostPorts;
import dev.portlocal.control.MappingService;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.PortRange;
import dev.portlocal.state.StateStore;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever the mapping file accepts, the API accepts, and the reverse, with the same message: over generated
 * endpoints, valid and broken in the ways people break them (a wrong type, a value out of range, a field missing,
 * an unknown field, the same port twice, ...). Each try reads the endpoint as the only entry of a JSON file and of
 * a YAML file, and PUTs it to the real routes over a fresh service; the name is always valid, since the API takes it
 * from the path.
 */
class FileAndApiAgreeTest {

    private static final PortRange RANGE = new PortRange(61000, 61099);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Quotes every string, so a YAML file keeps the JSON's types ("8080" stays a string). */
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final MappingFileParser FILE = new MappingFileParser(RANGE);

    private static Path stateDirs;

    @BeforeContainer
    static void createStateDirs() throws IOException {
        stateDirs = Files.createTempDirectory("file-and-api-agree");
    }

    @AfterContainer
    static void deleteStateDirs() throws IOException {
        try (Stream<Path> all = Files.walk(stateDirs)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 600)
    void theFileAndTheApiAcceptTheSameEndpointsWithTheSameMessages(@ForAll("entries") ObjectNode entry)
            throws IOException {
        String name = entry.get("name").asText();
        FileResult json = readAsFile("endpoints.json", ApiJson.mapper().writeValueAsBytes(file(entry)));
        FileResult yaml = readAsFile("endpoints.yaml", YAML.writeValueAsBytes(file(entry)));
        assertEquals(json.endpoints(), yaml.endpoints(), "YAML and JSON read alike: " + entry);
        assertEquals(json.errors(), yaml.errors().stream()
                .map(e -> e.replaceFirst("^endpoints\\.yaml", "endpoints.json")).toList(),
                "YAML and JSON read alike: " + entry);

        Path stateDir = Files.createTempDirectory(stateDirs, "try");
        try (MappingService service = new MappingService(RANGE, new InMemoryOpener(), new StateStore(stateDir),
                HostPorts.none())) {
            ApiEndpoints endpoints = new ApiEndpoints(service);
            ApiRoutes routes = new ApiRoutes(service, endpoints, NodeIps.resolve(List.of(), List.of()),
                    Optional.empty(), () -> true, "test");
            ApiResponse response = routes.handle(ApiRequest.of("PUT", "/v1/endpoints/" + name, true)
                    .withBody("application/json", ApiJson.mapper().writeValueAsBytes(entry)));

            boolean fileAccepts = json.errors().isEmpty();
            Statistics.label("accepted").collect(fileAccepts);
            if (fileAccepts) {
                assertEquals(201, response.status(), entry + " -> " + response);
                assertEquals(json.endpoints(), List.of(endpoints.get(name).orElseThrow()), entry.toString());
            } else {
                assertEquals(400, response.status(), entry + " -> " + response);
                JsonNode error = ApiJson.mapper().readTree(response.body());
                String prefix = "endpoints.json: endpoints[0] (" + name + "): ";
                String first = json.errors().get(0);
                assertTrue(first.startsWith(prefix), first);
                assertEquals(first.substring(prefix.length()), error.get("error").asText(),
                        "the API's error is the file's first, without the file's location: " + entry);
                assertTrue(first.substring(prefix.length()).startsWith(error.get("field").asText() + ": "),
                        "the field named is the one the message starts with: " + error);
            }
        }
        Statistics.label("accepted").coverage(coverage -> {
            coverage.check(true).percentage(p -> p > 15);
            coverage.check(false).percentage(p -> p > 40);
        });
    }

    private record FileResult(List<Endpoint> endpoints, List<String> errors) {
    }

    private static FileResult readAsFile(String fileName, byte[] content) {
        try {
            return new FileResult(FILE.parse(fileName, content), List.of());
        } catch (MappingFileException e) {
            return new FileResult(List.of(), e.errors());
        }
    }

    private static ObjectNode file(ObjectNode entry) {
        ObjectNode file = NODES.objectNode();
        file.putArray("endpoints").add(entry);
        return file;
    }

    // ---- generators ----

    /** What a port entry holds before any damage: absent fields are null. */
    private record PortSpec(int port, String protocol, Integer nodePort, String idleTimeout) {
        ObjectNode node() {
            ObjectNode node = NODES.objectNode().put("port", port);
            if (protocol != null) {
                node.put("protocol", protocol);
            }
            if (nodePort != null) {
                node.put("nodePort", nodePort);
            }
            if (idleTimeout != null) {
                node.put("idleTimeout", idleTimeout);
            }
            return node;
        }
    }

    private enum Damage {
        WRONG_VALUE, REMOVE, UNKNOWN_FIELD, DUPLICATE_PORT, BOTH_IP_AND_IPS, EMPTY_LIST, NOT_AN_OBJECT
    }

    /** One way of breaking an entry, and which of its candidates it picks (modulo their number). */
    private record Mutation(Damage damage, int pick, int value) {
    }

    /** Values that are wrong somewhere, and right elsewhere: each lands on a field picked at random. */
    private static final List<JsonNode> VALUES = List.of(TextNode.valueOf("8080"), DoubleNode.valueOf(8080.0),
            DoubleNode.valueOf(61001.5), BooleanNode.TRUE, NullNode.getInstance(), IntNode.valueOf(0),
            IntNode.valueOf(-1), IntNode.valueOf(70000), IntNode.valueOf(61050), IntNode.valueOf(60999),
            new BigIntegerNode(new BigInteger("99999999999999999999")), TextNode.valueOf("sctp"),
            TextNode.valueOf("UDP"), TextNode.valueOf("soon"), TextNode.valueOf("0s"), TextNode.valueOf("25h"),
            TextNode.valueOf("500ms"), TextNode.valueOf("not-an-ip"), TextNode.valueOf("10.0.0.256"),
            TextNode.valueOf("fd00::1"), TextNode.valueOf("10.0.0.9"), TextNode.valueOf("web.example.com"),
            TextNode.valueOf(""), NODES.arrayNode(), NODES.objectNode(), NODES.arrayNode().add("10.0.0.1"));

    @Provide
    Arbitrary<ObjectNode> entries() {
        Arbitrary<String> names = Arbitraries.of("web", "shop/web", "a", "Shop.v2/front_end-6d9c", "x".repeat(253));
        Arbitrary<JsonNode> v4 = Arbitraries.of("10.244.1.23", "192.0.2.1", "127.0.0.1").map(TextNode::valueOf);
        Arbitrary<JsonNode> v6 = Arbitraries.of("fd00:10:244:1::17", "2001:db8::1", "::1").map(TextNode::valueOf);
        Arbitrary<PortSpec> ports = Combinators.combine(
                Arbitraries.of(1, 53, 80, 8080, 65535),
                Arbitraries.of("tcp", "udp", "UDP", "Tcp").injectNull(0.4),
                Arbitraries.of(61000, 61001, 61099).injectNull(0.6),
                Arbitraries.of("5s", "1500ms", "PT30S").injectNull(0.7)).as(PortSpec::new);
        Arbitrary<List<Mutation>> mutations = Combinators.combine(Arbitraries.of(Damage.class),
                Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(0, VALUES.size() - 1))
                .as(Mutation::new).list().ofMaxSize(2);
        return Combinators.combine(names, v4, v6, Arbitraries.integers().between(0, 3),
                ports.list().ofMinSize(1).ofMaxSize(4), mutations).as(FileAndApiAgreeTest::entry);
    }

    private static ObjectNode entry(String name, JsonNode v4, JsonNode v6, int addressing, List<PortSpec> ports,
                                    List<Mutation> mutations) {
        ObjectNode entry = NODES.objectNode().put("name", name);
        switch (addressing) {
            case 0 -> entry.set("ip", v4);
            case 1 -> entry.set("ip", v6);
            case 2 -> entry.set("ips", NODES.arrayNode().add(v4).add(v6));
            default -> entry.set("ips", NODES.arrayNode().add(v6));
        }
        ArrayNode list = entry.putArray("ports");
        ports.forEach(port -> list.add(port.node()));
        for (Mutation mutation : mutations) {
            damage(entry, mutation);
        }
        return entry;
    }

    /** Breaks {@code entry} in place; the name stays, since the API takes it from the path. */
    private static void damage(ObjectNode entry, Mutation m) {
        List<ObjectNode> objects = new ArrayList<>(List.of(entry));
        JsonNode portList = entry.path("ports");
        portList.forEach(port -> {
            if (port instanceof ObjectNode object) {
                objects.add(object);
            }
        });
        ObjectNode target = objects.get(m.pick() % objects.size());
        List<String> fields = new ArrayList<>();
        target.fieldNames().forEachRemaining(fields::add);
        fields.remove("name");
        switch (m.damage()) {
            case WRONG_VALUE -> {
                if (!fields.isEmpty()) {
                    target.set(fields.get(m.pick() % fields.size()), VALUES.get(m.value()).deepCopy());
                }
            }
            case REMOVE -> {
                if (!fields.isEmpty()) {
                    target.remove(fields.get(m.pick() % fields.size()));
                }
            }
            case UNKNOWN_FIELD -> target.put(m.pick() % 2 == 0 ? "labels" : "nodeport", 1);
            case DUPLICATE_PORT -> {
                if (portList instanceof ArrayNode array && !array.isEmpty()) {
                    array.add(array.get(m.pick() % array.size()).deepCopy());
                }
            }
            case BOTH_IP_AND_IPS -> {
                entry.put("ip", "10.0.0.1");
                entry.set("ips", NODES.arrayNode().add("fd00::2"));
            }
            case EMPTY_LIST -> entry.set(m.pick() % 2 == 0 ? "ports" : "ips", NODES.arrayNode());
            case NOT_AN_OBJECT -> {
                if (portList instanceof ArrayNode array && !array.isEmpty()) {
                    array.set(m.pick() % array.size(), VALUES.get(m.value()).deepCopy());
                }
            }
            default -> throw new AssertionError(m);
        }
    }
}
