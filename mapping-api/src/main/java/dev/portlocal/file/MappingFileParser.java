package dev.portlocal.file;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.TargetPolicy;
import dev.portlocal.reader.EndpointReader;
import dev.portlocal.reader.Problem;
import dev.portlocal.reader.Problems;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Parses and validates a mapping file, YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) by extension:
 * <pre>
 * endpoints:
 *   - name: shop/frontend-6d9c   # unique in the file
 *     ip: 10.244.1.23            # an IP literal; host names are refused, never resolved
 *     ports:
 *       - port: 8079
 *         protocol: tcp          # tcp (default) or udp
 *         nodePort: 61005        # optional pin, inside the port range
 * </pre>
 * Each entry is read by the {@link EndpointReader} the API reads its bodies with, collecting every problem; this
 * class adds what only a file knows: its syntax, the {@code endpoints} list, each problem's location (file name,
 * entry index and name), names unique in the file, and node ports pinned once per protocol and family across
 * entries. Validation collects every error before rejecting the whole file.
 *
 * <p>Immutable and thread-safe.
 */
public final class MappingFileParser {

    /** The largest {@code maxMappingFileBytes}: 1 GiB, well within an array. */
    public static final long MAX_BYTES_LIMIT = 1L << 30;
    /** How deep a mapping file may nest. */
    static final int MAX_NESTING = 32;
    /** Aliases are refused anyway ({@link #refuseAliases}); SnakeYAML's own limit is a second fence. */
    private static final int MAX_ALIASES = 10;

    private final EndpointReader reader;
    private final long maxBytes;
    private final ObjectMapper jsonMapper;
    private final ObjectMapper yamlMapper;

    /** A parser with the address rules alone ({@link TargetPolicy#DEFAULT}). */
    public MappingFileParser(PortRange range) {
        this(range, TargetPolicy.DEFAULT);
    }

    /** A parser whose entries must be targets {@code policy} allows. */
    public MappingFileParser(PortRange range, TargetPolicy policy) {
        this(range, policy, MappingFileInput.DEFAULT_MAX_BYTES);
    }

    /** A parser that also refuses files larger than {@code maxBytes}. */
    public MappingFileParser(PortRange range, TargetPolicy policy, long maxBytes) {
        if (maxBytes < 1 || maxBytes > MAX_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxMappingFileBytes: " + maxBytes + " (expected: 1-"
                    + MAX_BYTES_LIMIT + ")");
        }
        this.reader = new EndpointReader(requireNonNull(range, "range"), requireNonNull(policy, "policy"));
        this.maxBytes = maxBytes;
        this.jsonMapper = strict(JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(constraints(maxBytes)).build()));
        // The factory's builder starts without the parser features new YAMLFactory() has: restore them.
        this.yamlMapper = strict(YAMLMapper.builder(YAMLFactory.builder()
                .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                .loaderOptions(loaderOptions(maxBytes))
                .streamReadConstraints(constraints(maxBytes)).build()));
    }

    /** Duplicate keys and a second document are syntax errors; types are left to the reader, which is strict. */
    private static ObjectMapper strict(MapperBuilder<?, ?> builder) {
        return builder
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * The parser's bounds: a mapping file nests 6 deep (the root, endpoints, an entry, ports, a port, a health
     * check), so 32 is plenty; a string or a document is never longer than the file.
     */
    private static StreamReadConstraints constraints(long maxBytes) {
        int max = (int) maxBytes;
        return StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .maxDocumentLength(max)
                .maxStringLength(max)
                .maxNameLength(Math.min(max, 50_000))
                .maxNumberLength(1000)
                .build();
    }

    /** SnakeYAML's own bounds: no more code points than the file may have bytes, few aliases, shallow nesting. */
    private static LoaderOptions loaderOptions(long maxBytes) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit((int) maxBytes);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        return options;
    }

    public PortRange range() {
        return reader.range();
    }

    /** The largest file this parser reads, in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Reads and parses {@code file}, following symlinks. Errors name the file by its file name.
     *
     * @throws MappingFileException if the file cannot be read or is invalid
     */
    public List<Endpoint> parse(Path file) throws MappingFileException {
        return parse(String.valueOf(file.getFileName()), MappingFileInput.read(file, maxBytes));
    }

    /**
     * Parses {@code content} as the file {@code fileName}, whose extension selects YAML or JSON. Only
     * {@code endpoints: []} yields no endpoints: an empty (or blank) file is refused, since it is almost always a
     * write caught half way, and taking it for "none" would withdraw every mapping.
     *
     * @throws MappingFileException listing every problem found
     */
    public List<Endpoint> parse(String fileName, byte[] content) throws MappingFileException {
        requireNonNull(fileName, "fileName");
        requireNonNull(content, "content");
        ObjectMapper mapper = mapperFor(fileName);
        if (content.length > maxBytes) {
            throw MappingFileInput.tooLarge(fileName, content.length + " bytes", maxBytes);
        }
        checkUtf8(fileName, content);
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            throw new MappingFileException(List.of(fileName + ": empty file (expected: endpoints: [] for no "
                    + "endpoints; an empty file is taken for a truncated write)"));
        }
        JsonNode root;
        try {
            if (mapper == yamlMapper) {
                refuseAliases(fileName, content);
            }
            root = mapper.readTree(content);
        } catch (JacksonException e) {
            throw new MappingFileException(List.of(syntaxError(fileName, e)));
        } catch (IOException e) {
            throw new MappingFileException(List.of(fileName + ": " + e));
        }
        return new Validation(fileName).run(root);
    }

    /** The whole file must be UTF-8: a stray byte is named by its offset, not guessed around. */
    private static void checkUtf8(String fileName, byte[] content) throws MappingFileException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(8192);
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
            if (result.isError()) {
                throw new MappingFileException(List.of(fileName + ": not UTF-8 at byte " + in.position()
                        + " (expected: a UTF-8 text file)"));
            }
        } while (result.isOverflow());
    }

    /**
     * YAML aliases ({@code *name}) are refused: Jackson would read one as the string {@code name}, silently, and an
     * alias is never needed to list endpoints. Refusing them also ends any alias bomb before it starts.
     */
    private void refuseAliases(String fileName, byte[] content) throws IOException, MappingFileException {
        try (JsonParser parser = yamlMapper.getFactory().createParser(content)) {
            YAMLParser yaml = (YAMLParser) parser;
            while (yaml.nextToken() != null) {
                if (yaml.isCurrentAlias()) {
                    JsonLocation at = yaml.currentTokenLocation();
                    throw new MappingFileException(List.of(fileName + ": line " + at.getLineNr() + ", column "
                            + at.getColumnNr() + ": *" + yaml.getText() + ": an alias (expected: no anchors or "
                            + "aliases; write each value out)"));
                }
            }
        }
    }

    private ObjectMapper mapperFor(String fileName) throws MappingFileException {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return yamlMapper;
        }
        if (lower.endsWith(".json")) {
            return jsonMapper;
        }
        throw new MappingFileException(List.of(
                fileName + ": unsupported file type (expected: a name ending in .yaml, .yml or .json)"));
    }

    private static String syntaxError(String fileName, JacksonException e) {
        JsonLocation location = e.getLocation();
        String where = location == null || location.getLineNr() < 0
                ? ""
                : "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
        return fileName + ": " + where + shortReason(e);
    }

    /**
     * A one-line reason from Jackson's message: without the source excerpts and positions it appends, and for
     * YAML the problem first, then its context ({@code expected <block end>, ... (while parsing a block ...)}).
     */
    private static String shortReason(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        if (message.startsWith("Trailing token")) {
            return "more than one document (expected: a single document)";
        }
        List<String> statements = message.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .toList();
        String reason = statements.isEmpty() ? message.strip()
                : statements.size() == 1 ? statements.get(0)
                : statements.get(statements.size() - 1) + " (" + statements.get(0) + ")";
        int source = reason.indexOf("[Source:");
        if (source >= 0) {
            int context = reason.lastIndexOf(" (for ", source);
            reason = reason.substring(0, context >= 0 ? context : source).strip();
        }
        return reason.length() > 200 ? reason.substring(0, 200) + "..." : reason;
    }

    /** The state of one validation pass: the errors so far and what the entries seen so far claimed. */
    private final class Validation {
        private final String fileName;
        private final List<String> errors = new ArrayList<>();
        private final Map<String, String> entryByName = new HashMap<>();
        private final Map<String, String> pinnedBy = new HashMap<>();

        Validation(String fileName) {
            this.fileName = fileName;
        }

        List<Endpoint> run(JsonNode root) throws MappingFileException {
            List<Endpoint> endpoints = new ArrayList<>();
            if (root == null || root.isMissingNode() || root.isNull()) {
                errors.add(fileName + ": endpoints: missing (expected: a list, [] for no endpoints)");
            } else if (!root.isObject()) {
                errors.add(fileName + ": " + describe(root) + " (expected: an object with the field endpoints)");
            } else {
                for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
                    String field = names.next();
                    if (!field.equals("endpoints")) {
                        errors.add(fileName + ": " + field + ": unknown field (expected: endpoints)");
                    }
                }
                JsonNode list = root.path("endpoints");
                if (list.isArray()) {
                    for (int i = 0; i < list.size(); i++) {
                        entry(i, list.get(i)).ifPresent(endpoints::add);
                    }
                } else {
                    errors.add(fileName + ": endpoints: " + describe(list) + " (expected: a list, [] for no "
                            + "endpoints)");
                }
            }
            if (!errors.isEmpty()) {
                throw new MappingFileException(errors);
            }
            return List.copyOf(endpoints);
        }

        /** Reads one entry; empty (with errors recorded) if it is invalid. */
        private Optional<Endpoint> entry(int index, JsonNode node) {
            JsonNode nameNode = node.path("name");
            String entry = "endpoints[" + index + "]" + (nameNode.isTextual() ? " (" + nameNode.asText() + ")" : "");
            String prefix = fileName + ": " + entry + ": ";
            if (nameNode.isTextual() && Endpoint.isValidName(nameNode.asText())) {
                String first = entryByName.putIfAbsent(nameNode.asText(), "endpoints[" + index + "]");
                if (first != null) {
                    errors.add(prefix + "name: " + nameNode.asText() + " (expected: unique, already used by "
                            + first + ")");
                }
            }
            Problems problems = Problems.all();
            Optional<Endpoint> endpoint = reader.read(node, problems);
            for (Problem problem : problems.list()) {
                errors.add(prefix + problem.message());
            }
            endpoint.ifPresent(e -> claimPins(entry, prefix, e));
            return endpoint;
        }

        /** A node port is pinned once per protocol and family in the whole file. */
        private void claimPins(String entry, String prefix, Endpoint endpoint) {
            for (int j = 0; j < endpoint.ports().size(); j++) {
                EndpointPort port = endpoint.ports().get(j);
                if (port.nodePort().isEmpty()) {
                    continue;
                }
                int pin = port.nodePort().getAsInt();
                String field = "ports[" + j + "]";
                for (InetAddress ip : endpoint.ips()) {
                    // A dual-stack endpoint pins the same number in each family: they are separate port spaces.
                    String pinKey = port.protocol().wireName() + "/" + IpFamily.of(ip) + "/" + pin;
                    String first = pinnedBy.putIfAbsent(pinKey, entry + " " + field);
                    if (first != null) {
                        errors.add(prefix + field + ".nodePort: " + pin + " (expected: unique per protocol and IP "
                                + "family, already pinned by " + first + ")");
                        break;
                    }
                }
            }
        }
    }

    /** A value as written, in JSON notation so that a quoted number shows as a string. */
    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        String text = node.toString();
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
