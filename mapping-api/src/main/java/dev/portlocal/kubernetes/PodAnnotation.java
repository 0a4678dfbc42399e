package dev.portlocal.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.portlocal.api.ApiViews.AnnotationEntry;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Protocol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The {@code nodeportlocal.antrea.io} Pod annotation, NodePortLocal's contract with load balancer controllers: a
 * JSON array with one element per (podPort, protocol, IP family), written compactly, fields in the order
 * {@code podPort, nodeIP, nodePort, protocol, ipFamily}, {@code protocol} lower-case, sorted by podPort, then
 * protocol, then family. Reading is lenient where NodePortLocal's readers are: a missing {@code ipFamily} is IPv4,
 * a missing {@code protocol} is tcp (annotations from before protocols were recorded). Thread-safe.
 */
public final class PodAnnotation {

    /** The annotation key on the Pod. */
    public static final String KEY = "nodeportlocal.antrea.io";

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private static final Comparator<AnnotationEntry> ORDER = Comparator.comparingInt(AnnotationEntry::podPort)
            .thenComparing(AnnotationEntry::protocol)
            .thenComparing(AnnotationEntry::ipFamily);

    private PodAnnotation() {
    }

    /** One entry read back from an annotation: enough to restore a node port. */
    public record Entry(int podPort, Protocol protocol, IpFamily family, int nodePort) {
    }

    /** What {@link #parse} found: the usable entries and a reason for each element it could not use. */
    public record Parsed(List<Entry> entries, List<String> problems) {
        public Parsed {
            entries = List.copyOf(entries);
            problems = List.copyOf(problems);
        }
    }

    /** The value for {@code entries} (in any order), or empty when there are none: the key is then removed. */
    public static Optional<String> render(List<AnnotationEntry> entries) {
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        List<AnnotationEntry> sorted = new ArrayList<>(entries);
        sorted.sort(ORDER);
        try {
            return Optional.of(MAPPER.writeValueAsString(sorted));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the annotation", e);
        }
    }

    /**
     * Reads an annotation value. Never throws: an unparsable value yields no entries and one problem; an element
     * with a missing, out-of-range or mistyped port, an unknown protocol or family is left out with a problem.
     */
    public static Parsed parse(String value) {
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        JsonNode root;
        try {
            root = value == null ? null : MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            root = null;
        }
        if (root == null || !root.isArray()) {
            problems.add("value: not a JSON array");
            return new Parsed(entries, problems);
        }
        for (int i = 0; i < root.size(); i++) {
            JsonNode element = root.get(i);
            try {
                entries.add(entry(element));
            } catch (IllegalArgumentException e) {
                problems.add("[" + i + "]." + e.getMessage());
            }
        }
        return new Parsed(entries, problems);
    }

    private static Entry entry(JsonNode element) {
        if (!element.isObject()) {
            throw new IllegalArgumentException("element: " + element + " (expected: an object)");
        }
        int podPort = port(element, "podPort");
        int nodePort = port(element, "nodePort");
        JsonNode protocol = element.get("protocol");
        Protocol parsedProtocol = protocol == null || protocol.isNull() ? Protocol.TCP
                : Protocol.parse(protocol.isTextual() ? protocol.asText() : protocol.toString());
        JsonNode family = element.get("ipFamily");
        IpFamily parsedFamily = IpFamily.IPv4;
        if (family != null && !family.isNull()) {
            String text = family.isTextual() ? family.asText() : family.toString();
            try {
                parsedFamily = IpFamily.valueOf(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ipFamily: " + text + " (expected: IPv4 or IPv6)");
            }
        }
        return new Entry(podPort, parsedProtocol, parsedFamily, nodePort);
    }

    private static int port(JsonNode element, String field) {
        JsonNode node = element.get(field);
        if (node == null || !node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > 65535) {
            throw new IllegalArgumentException(field + ": " + node + " (expected: 1-65535)");
        }
        return node.asInt();
    }
}
