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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever the mapping file accepts, the API accepts, and the reverse, with the same message: a property over
 * generated endpoints, valid and broken in the ways people break them (a wrong type, a value out of range, a field
 * missing, an unknown field, the same port twice, ...). Each try reads the endpoint as the only entry of a JSON file
 * and of a YAML file, and PUTs it to the real routes over a fresh service; the name is always valid, since the API
 * takes it from the path.
 *
 * <p>A run draws its tries from one seed, new each run so that runs cover more over time; a failure names the seed
 * and the try, and {@code -Dportlocal.property.seed=<seed>} replays that run.
 */
class FileAndApiAgreeTest {

    private static final int TRIES = 600;
    private static final PortRange RANGE = new PortRange(61000, 61099);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Quotes every string, so a YAML file keeps the JSON's types ("8080" stays a string). */
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final MappingFileParser FILE = new MappingFileParser(RANGE);

    @TempDir
    Path stateDirs;

    @Test
    void theFileAndTheApiAcceptTheSameEndpointsWithTheSameMessages() throws IOException {
        Long replay = Long.getLong("portlocal.property.seed");
        long seed = replay != null ? replay : new SplittableRandom().nextLong();
        Gen gen = new Gen(new SplittableRandom(seed));
        int accepted = 0;
        for (int i = 0; i < TRIES; i++) {
            ObjectNode entry = entry(gen);
            try {
                accepted += fileAndApiAgree(entry) ? 1 : 0;
            } catch (AssertionError e) {
                throw new AssertionError("try " + i + " of seed " + seed + " (replay: -Dportlocal.property.seed="
                        + seed + "): " + entry, e);
            }
        }
        // Both sides of the property are exercised, or it proves little. About 1 in 6 tries is valid (90 to 95 of 600
        // in runs so far), so the bounds sit far from it and only say that each side of the property got a fair share.
        assertTrue(accepted >= TRIES * 5 / 100, "valid tries: " + accepted + " of " + TRIES + ", seed " + seed);
        assertTrue(accepted <= TRIES * 80 / 100, "valid tries: " + accepted + " of " + TRIES + ", seed " + seed);
    }

    /** Checks one entry; true if the file (and so the API) accepted it. */
    private boolean fileAndApiAgree(ObjectNode entry) throws IOException {
        String name = entry.get("name").asText();
        FileResult json = readAsFile("endpoints.json", ApiJson.mapper().writeValueAsBytes(file(entry)));
        FileResult yaml = readAsFile("endpoints.yaml", YAML.writeValueAsBytes(file(entry)));
        assertEquals(json.endpoints(), yaml.endpoints(), "YAML and JSON read alike");
        assertEquals(json.errors(), yaml.errors().stream()
                .map(e -> e.replaceFirst("^endpoints\\.yaml", "endpoints.json")).toList(), "YAML and JSON read alike");

        Path stateDir = Files.createTempDirectory(stateDirs, "try");
        try (MappingService service = new MappingService(RANGE, new InMemoryOpener(), new StateStore(stateDir),
                HostPorts.none())) {
            ApiEndpoints endpoints = new ApiEndpoints(service);
            ApiRoutes routes = new ApiRoutes(service, endpoints, NodeIps.resolve(List.of(), List.of()),
                    ApiAccess.of(Optional.empty()), () -> true, "test");
            ApiResponse response = routes.handle(ApiRequest.of("PUT", "/v1/endpoints/" + name, true).withSocket(true)
                    .withBody("application/json", ApiJson.mapper().writeValueAsBytes(entry)));

            if (json.errors().isEmpty()) {
                assertEquals(201, response.status(), response.toString());
                assertEquals(json.endpoints(), List.of(endpoints.get(name).orElseThrow()));
                return true;
            }
            assertEquals(400, response.status(), response.toString());
            JsonNode error = ApiJson.mapper().readTree(response.body());
            String prefix = "endpoints.json: endpoints[0] (" + name + "): ";
            String first = json.errors().get(0);
            assertTrue(first.startsWith(prefix), first);
            assertEquals(first.substring(prefix.length()), error.get("error").asText(),
                    "the API's error is the file's first, without the file's location");
            assertTrue(first.substring(prefix.length()).startsWith(error.get("field").asText() + ": "),
                    "the field named is the one the message starts with: " + error);
            return false;
        }
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

    /** Draws from one seeded source. */
    private record Gen(SplittableRandom random) {
        @SafeVarargs
        final <T> T oneOf(T... values) {
            return values[random.nextInt(values.length)];
        }

        /** {@code value}, or null with probability {@code nullChance}. */
        <T> T orNull(double nullChance, Supplier<T> value) {
            return random.nextDouble() < nullChance ? null : value.get();
        }

        int between(int min, int max) {
            return random.nextInt(min, max + 1);
        }
    }

    private static ObjectNode entry(Gen gen) {
        String name = gen.oneOf("web", "shop/web", "a", "Shop.v2/front_end-6d9c", "x".repeat(253));
        JsonNode v4 = TextNode.valueOf(gen.oneOf("10.244.1.23", "192.0.2.1", "127.0.0.1"));
        JsonNode v6 = TextNode.valueOf(gen.oneOf("fd00:10:244:1::17", "2001:db8::1", "::1"));
        List<PortSpec> ports = new ArrayList<>();
        for (int i = gen.between(1, 4); i > 0; i--) {
            ports.add(new PortSpec(gen.oneOf(1, 53, 80, 8080, 65535),
                    gen.orNull(0.4, () -> gen.oneOf("tcp", "udp", "UDP", "Tcp")),
                    gen.orNull(0.6, () -> gen.oneOf(61000, 61001, 61099)),
                    gen.orNull(0.7, () -> gen.oneOf("5s", "1500ms", "PT30S"))));
        }
        List<Mutation> mutations = new ArrayList<>();
        for (int i = gen.between(0, 2); i > 0; i--) {
            mutations.add(new Mutation(gen.oneOf(Damage.values()), gen.between(0, 1000),
                    gen.between(0, VALUES.size() - 1)));
        }
        return entry(name, v4, v6, gen.between(0, 3), ports, mutations);
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
