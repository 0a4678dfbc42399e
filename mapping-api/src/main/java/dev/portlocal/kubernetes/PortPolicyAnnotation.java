package dev.portlocal.kubernetes;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portlocal.kubernetes.PortPins.PodPort;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.reader.EndpointReader;
import dev.portlocal.reader.Problem;
import dev.portlocal.reader.Problems;
import org.yaml.snakeyaml.LoaderOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The port policy of a Service or a Pod, declared with the annotation {@value #KEY}: a YAML (or JSON) object whose
 * fields are the per-port fields of the mapping file and the API, for every port the object covers, and an optional
 * {@code ports} object with the same fields per Pod port ({@code podPort[/protocol]}, tcp by default):
 * <pre>
 * portlocal.dev/port-policy: |
 *   healthCheck: {interval: 2s}
 *   proxyProtocol: v2
 *   allowFrom: [192.0.2.0/24]
 *   ports:
 *     "53/udp": {idleTimeout: 30s}
 * </pre>
 * The fields are {@code idleTimeout}, {@code healthCheck}, {@code proxyProtocol}, {@code allowFrom},
 * {@code maxConnections}, {@code connectTimeout} and {@code accessLog}; each value is read by the same
 * {@link EndpointReader} row as in the mapping file, so the rules and the messages are the same. A field for every
 * port that only TCP has ({@code healthCheck}, {@code proxyProtocol}, {@code connectTimeout}, {@code accessLog})
 * applies to the TCP ports; written under a UDP port, it is a problem.
 *
 * <p>A field whose value does not read is a problem naming the annotation, the field and the value. {@link #parse}
 * reports every problem and keeps the fields that read; {@link Memory}, which the source uses, applies an annotation
 * only whole, as a mapping file or an API request is: one with a problem changes nothing. Pure apart from
 * {@link Memory}.
 */
public final class PortPolicyAnnotation {

    /** The Service and Pod annotation that sets the port policy. */
    public static final String KEY = "portlocal.dev/port-policy";
    /** The field holding per-port fields. */
    static final String PORTS = "ports";
    /** The fields of a port entry an annotation may set, in the mapping file's order. */
    static final List<String> FIELDS = List.of("idleTimeout", "healthCheck", "proxyProtocol", "allowFrom",
            "maxConnections", "connectTimeout", "accessLog");
    /** The fields only a TCP port takes. */
    static final Set<String> TCP_ONLY = Set.of("healthCheck", "proxyProtocol", "connectTimeout", "accessLog");
    /** Kubernetes caps all annotations of an object at 256 KiB together. */
    static final int MAX_BYTES = 256 * 1024;

    private static final String EXPECTED = "a YAML or JSON object with any of " + String.join(", ", FIELDS)
            + ", " + PORTS;
    private static final String PORTS_EXPECTED = "an object of podPort[/tcp|/udp]: {fields}";
    private static final String PORT_KEY_EXPECTED = "podPort[/tcp|/udp], e.g. 8080 or 53/udp";
    private static final int MAX_SHOWN = 80;
    /** No node port is ever read through it, so its range never applies. */
    private static final EndpointReader READER = new EndpointReader(PortRange.DEFAULT);
    private static final ObjectMapper YAML = mapper();

    private PortPolicyAnnotation() {
    }

    /**
     * What one annotation says: the fields for every port it covers, the fields per Pod port, and a message for each
     * part that did not read (and so is left out).
     */
    public record Policy(ObjectNode all, Map<PodPort, ObjectNode> ports, List<String> problems) {
        /** No annotation. */
        public static final Policy NONE = new Policy(JsonNodeFactory.instance.objectNode(), Map.of(), List.of());

        public Policy {
            requireNonNull(all, "all");
            ports = Map.copyOf(ports);
            problems = List.copyOf(problems);
        }

        /** True when it sets nothing. */
        public boolean isEmpty() {
            return all.isEmpty() && ports.isEmpty();
        }

        /**
         * The fields this annotation sets on {@code port}: those for every port (for a UDP port, without the TCP-only
         * ones), then the port's own over them. A fresh object the caller may change.
         */
        public ObjectNode fieldsFor(PodPort port) {
            ObjectNode fields = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> field : all.properties()) {
                if (port.protocol() == Protocol.TCP || !TCP_ONLY.contains(field.getKey())) {
                    fields.set(field.getKey(), field.getValue());
                }
            }
            ObjectNode own = ports.get(port);
            if (own != null) {
                fields.setAll(own);
            }
            return fields;
        }
    }

    /** Reads {@code value} (null or blank: no policy). Never throws. */
    public static Policy parse(String value) {
        if (value == null || value.isBlank()) {
            return Policy.NONE;
        }
        List<String> problems = new ArrayList<>();
        JsonNode root;
        if (value.length() > MAX_BYTES) {
            problems.add(KEY + ": " + value.length() + " characters (expected: at most " + MAX_BYTES + ")");
            return new Policy(JsonNodeFactory.instance.objectNode(), Map.of(), problems);
        }
        try {
            root = YAML.readTree(value);
        } catch (Exception e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines()
                    .findFirst().orElse("");
            problems.add(KEY + ": " + shown(value) + " (expected: " + EXPECTED + "; " + reason + ")");
            return new Policy(JsonNodeFactory.instance.objectNode(), Map.of(), problems);
        }
        if (root == null || !root.isObject()) {
            problems.add(KEY + ": " + shown(value) + " (expected: " + EXPECTED + ")");
            return new Policy(JsonNodeFactory.instance.objectNode(), Map.of(), problems);
        }
        ObjectNode all = fields(root, "", Protocol.TCP, true, problems);
        Map<PodPort, ObjectNode> ports = new LinkedHashMap<>();
        JsonNode perPort = root.get(PORTS);
        if (perPort != null && !perPort.isNull()) {
            if (!perPort.isObject()) {
                problems.add(KEY + ": " + PORTS + ": " + shown(perPort.toString()) + " (expected: " + PORTS_EXPECTED
                        + ")");
            } else {
                for (Map.Entry<String, JsonNode> entry : perPort.properties()) {
                    String path = PORTS + "." + entry.getKey();
                    Optional<PodPort> port = podPort(entry.getKey());
                    if (port.isEmpty()) {
                        problems.add(KEY + ": " + path + ": " + shown(entry.getKey()) + " (expected: "
                                + PORT_KEY_EXPECTED + ")");
                    } else if (ports.containsKey(port.get())) {
                        problems.add(KEY + ": " + path + ": " + port.get() + " given twice (expected: each port "
                                + "once)");
                    } else if (!entry.getValue().isObject()) {
                        problems.add(KEY + ": " + path + ": " + shown(entry.getValue().toString())
                                + " (expected: an object with any of " + String.join(", ", FIELDS) + ")");
                    } else {
                        ports.put(port.get(), fields(entry.getValue(), path + ".", port.get().protocol(), false,
                                problems));
                    }
                }
            }
        }
        return new Policy(all, ports, problems);
    }

    /**
     * The fields of {@code object} that read, each on its own through the port reader; every other field is a
     * problem. {@code top} allows {@value #PORTS} (read by the caller).
     */
    private static ObjectNode fields(JsonNode object, String path, Protocol protocol, boolean top,
                                     List<String> problems) {
        ObjectNode kept = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            String name = field.getKey();
            if (top && name.equals(PORTS)) {
                continue;
            }
            if (!FIELDS.contains(name)) {
                problems.add(KEY + ": " + path + name + ": unknown field (expected one of: "
                        + String.join(", ", FIELDS) + (top ? ", " + PORTS : "") + ")");
                continue;
            }
            if (field.getValue().isNull()) {
                continue;
            }
            ObjectNode entry = JsonNodeFactory.instance.objectNode();
            entry.put("port", 1);
            entry.put("protocol", protocol.wireName());
            entry.set(name, field.getValue());
            Problems found = Problems.all();
            if (READER.readPort(entry, found).isPresent()) {
                kept.set(name, field.getValue());
            } else {
                for (Problem problem : found.list()) {
                    problems.add(KEY + ": " + path + problem.message());
                }
            }
        }
        return kept;
    }

    /**
     * The port {@code fields} describe, pinned to {@code nodePort} when given: the same read as a mapping file's
     * port entry.
     *
     * @return the port, or empty with the reasons in {@code problems}
     */
    static Optional<EndpointPort> port(PodPort port, OptionalInt nodePort, ObjectNode fields, List<String> problems) {
        if (fields.isEmpty()) {
            return Optional.of(new EndpointPort(port.port(), port.protocol(), nodePort));
        }
        ObjectNode entry = fields.deepCopy();
        entry.put("port", port.port());
        entry.put("protocol", port.protocol().wireName());
        Problems found = Problems.all();
        Optional<EndpointPort> read = READER.readPort(entry, found);
        for (Problem problem : found.list()) {
            problems.add(KEY + ": " + PORTS + "." + port + "." + problem.message());
        }
        return read.map(p -> new EndpointPort(p.port(), p.protocol(), nodePort, p.idleTimeout(), p.healthCheck(),
                p.proxyProtocol(), p.policy()));
    }

    private static Optional<PodPort> podPort(String key) {
        try {
            return Optional.of(PortPins.podPort(key));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String shown(String value) {
        String oneLine = value.replace('\n', ' ').trim();
        return oneLine.length() > MAX_SHOWN ? oneLine.substring(0, MAX_SHOWN) + "..." : oneLine;
    }

    private static ObjectMapper mapper() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_BYTES);
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(16);
        return YAMLMapper.builder(YAMLFactory.builder().loaderOptions(options)
                        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16)
                                .maxDocumentLength(MAX_BYTES).maxStringLength(MAX_BYTES).build()).build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * What is in force per annotated object. An annotation applies whole or not at all: one with a problem is
     * reported and changes nothing, so the policy in force before the change stays in force while the daemon runs;
     * an object whose first value the daemon sees (a new object, or any after a restart) has a problem gets no
     * policy from it until it is fixed. Parses each distinct value once. Objects not asked for in a round are
     * forgotten at {@link #endRound}.
     *
     * <p>Thread-safe.
     */
    public static final class Memory {
        private final Map<String, Entry> bySubject = new LinkedHashMap<>();
        private final Set<String> asked = new java.util.HashSet<>();

        private record Entry(String raw, Policy inForce, List<String> problems) {
        }

        /**
         * The policy in force for {@code subject} ({@code Service ns/name} or {@code Pod ns/name}) whose annotation
         * is now {@code raw}; its problems (each with what applies instead) are in {@code problems}.
         */
        public synchronized Policy of(String subject, String raw, List<String> problems) {
            requireNonNull(subject, "subject");
            asked.add(subject);
            if (raw == null || raw.isBlank()) {
                bySubject.remove(subject);
                return Policy.NONE;
            }
            Entry entry = bySubject.get(subject);
            if (entry == null || !entry.raw().equals(raw)) {
                Policy parsed = parse(raw);
                if (parsed.problems().isEmpty()) {
                    entry = new Entry(raw, parsed, List.of());
                } else if (entry != null) {
                    entry = new Entry(raw, entry.inForce(), suffixed(parsed.problems(),
                            "; the annotation is not applied: the policy in force before this change stays"));
                } else {
                    entry = new Entry(raw, Policy.NONE, suffixed(parsed.problems(),
                            "; the annotation is not applied until it is fixed"));
                }
                bySubject.put(subject, entry);
            }
            problems.addAll(entry.problems());
            return entry.inForce();
        }

        /** Forgets the objects not asked for since the last call. */
        public synchronized void endRound() {
            bySubject.keySet().retainAll(asked);
            asked.clear();
        }

        /** How many objects have a policy in memory. */
        public synchronized int size() {
            return bySubject.size();
        }

        private static List<String> suffixed(List<String> problems, String suffix) {
            List<String> out = new ArrayList<>();
            for (String problem : problems) {
                out.add(problem + suffix);
            }
            return out;
        }
    }
}
