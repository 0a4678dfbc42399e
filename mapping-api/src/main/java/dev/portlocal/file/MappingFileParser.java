package dev.portlocal.file;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portlocal.file.MappingFileDto.EndpointDto;
import dev.portlocal.file.MappingFileDto.PortDto;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Durations;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

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
 * Validation collects every error before rejecting the whole file. Types are strict: a string where a number is
 * expected is an error, and so is an unknown field.
 *
 * <p>Immutable and thread-safe.
 */
public final class MappingFileParser {

    private static final String IP_EXPECTED = "an IPv4 or IPv6 address";
    private static final String PORT_EXPECTED = "1-65535";

    private final PortRange range;
    private final ObjectMapper jsonMapper;
    private final ObjectMapper yamlMapper;

    public MappingFileParser(PortRange range) {
        this.range = requireNonNull(range, "range");
        this.jsonMapper = strict(JsonMapper.builder());
        this.yamlMapper = strict(YAMLMapper.builder());
    }

    private static ObjectMapper strict(MapperBuilder<?, ?> builder) {
        return builder
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .withCoercionConfigDefaults(config -> config
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                // Only the exact type is accepted: strings stay strings and integers stay integers.
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert))
                .withCoercionConfig(LogicalType.Integer, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert))
                .build();
    }

    public PortRange range() {
        return range;
    }

    /**
     * Reads and parses {@code file}, following symlinks. Errors name the file by its file name.
     *
     * @throws MappingFileException if the file cannot be read or is invalid
     */
    public List<Endpoint> parse(Path file) throws MappingFileException {
        String fileName = String.valueOf(file.getFileName());
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MappingFileException(List.of(fileName + ": cannot read " + file + " (no such file)"));
        } catch (IOException e) {
            throw new MappingFileException(List.of(fileName + ": cannot read " + file + " (" + e + ")"));
        }
        return parse(fileName, content);
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
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            throw new MappingFileException(List.of(fileName + ": empty file (expected: endpoints: [] for no "
                    + "endpoints; an empty file is taken for a truncated write)"));
        }
        JsonNode root;
        try {
            root = mapper.readTree(content);
        } catch (JacksonException e) {
            throw new MappingFileException(List.of(syntaxError(fileName, e)));
        } catch (IOException e) {
            throw new MappingFileException(List.of(fileName + ": " + e));
        }
        return new Validation(fileName, mapper).run(root);
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
        private final ObjectMapper mapper;
        private final List<String> errors = new ArrayList<>();
        private final Map<String, String> entryByName = new HashMap<>();
        private final Map<String, String> pinnedBy = new HashMap<>();

        Validation(String fileName, ObjectMapper mapper) {
            this.fileName = fileName;
            this.mapper = mapper;
        }

        List<Endpoint> run(JsonNode root) throws MappingFileException {
            List<Endpoint> endpoints = new ArrayList<>();
            if (root == null || root.isMissingNode() || root.isNull()) {
                errors.add(fileName + ": endpoints: missing (expected: a list, [] for no endpoints)");
            } else {
                if (!root.isObject()) {
                    errors.add(fileName + ": " + describe(root) + " (expected: a mapping with the field endpoints)");
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
                            Endpoint endpoint = entry(i, list.get(i));
                            if (endpoint != null) {
                                endpoints.add(endpoint);
                            }
                        }
                    } else {
                        errors.add(fileName + ": endpoints: " + describe(list) + " (expected: a list, [] for no "
                                + "endpoints)");
                    }
                }
            }
            if (!errors.isEmpty()) {
                throw new MappingFileException(errors);
            }
            return List.copyOf(endpoints);
        }

        /** Validates one entry; returns null (with errors recorded) if it is invalid. */
        private Endpoint entry(int index, JsonNode node) {
            JsonNode nameNode = node.path("name");
            String entry = "endpoints[" + index + "]" + (nameNode.isTextual() ? " (" + nameNode.asText() + ")" : "");
            String prefix = fileName + ": " + entry + ": ";
            int errorsBefore = errors.size();
            if (!node.isObject()) {
                errors.add(prefix + describe(node) + " (expected: a mapping with the fields name, ip and ports)");
                return null;
            }
            EndpointDto dto = bind(node, EndpointDto.class, EndpointDto.FIELDS, prefix, "");
            if (dto == null) {
                return null;
            }

            String name = dto.name();
            if (name == null) {
                errors.add(prefix + "name: missing (expected: " + Endpoint.NAME_EXPECTED + ")");
            } else if (!Endpoint.isValidName(name)) {
                errors.add(prefix + "name: " + name + " (expected: " + Endpoint.NAME_EXPECTED + ")");
            } else {
                String first = entryByName.putIfAbsent(name, "endpoints[" + index + "]");
                if (first != null) {
                    errors.add(prefix + "name: " + name + " (expected: unique, already used by " + first + ")");
                }
            }

            List<InetAddress> ips = ips(prefix, dto);

            List<EndpointPort> ports = new ArrayList<>();
            if (dto.ports() == null) {
                errors.add(prefix + "ports: missing (expected: at least one port)");
            } else if (dto.ports().isEmpty()) {
                errors.add(prefix + "ports: [] (expected: at least one port)");
            } else {
                Map<String, Integer> listedAt = new HashMap<>();
                for (int j = 0; j < dto.ports().size(); j++) {
                    EndpointPort port = port(entry, prefix, j, dto.ports().get(j), ips, listedAt);
                    if (port != null) {
                        ports.add(port);
                    }
                }
            }
            if (errors.size() > errorsBefore) {
                return null;
            }
            return new Endpoint(name, ips, ports);
        }

        /** {@code ip: A} or {@code ips: [A, B]}, exactly one of them; at most one address of each family. */
        private List<InetAddress> ips(String prefix, EndpointDto dto) {
            List<InetAddress> ips = new ArrayList<>();
            if (dto.ip() != null && dto.ips() != null) {
                errors.add(prefix + "ips: " + dto.ips() + " (expected: either ip or ips, not both)");
                return ips;
            }
            if (dto.ip() == null && dto.ips() == null) {
                errors.add(prefix + "ip: missing (expected: " + IP_EXPECTED + ", or ips: [IPv4, IPv6])");
                return ips;
            }
            if (dto.ip() != null) {
                try {
                    ips.add(Addresses.parseIp("ip", dto.ip()));
                } catch (IllegalArgumentException e) {
                    errors.add(prefix + e.getMessage());
                }
                return ips;
            }
            if (dto.ips().isEmpty() || dto.ips().size() > 2) {
                errors.add(prefix + "ips: " + dto.ips() + " (expected: one address, or one of each family)");
                return ips;
            }
            Map<IpFamily, String> seen = new HashMap<>();
            for (int k = 0; k < dto.ips().size(); k++) {
                String text = dto.ips().get(k);
                try {
                    InetAddress ip = Addresses.parseIp("ips[" + k + "]", text);
                    String first = seen.putIfAbsent(IpFamily.of(ip), text);
                    if (first != null) {
                        errors.add(prefix + "ips[" + k + "]: " + text + " (expected: one address of each family, "
                                + IpFamily.of(ip) + " already given as " + first + ")");
                    } else {
                        ips.add(ip);
                    }
                } catch (IllegalArgumentException e) {
                    errors.add(prefix + e.getMessage());
                }
            }
            return ips;
        }

        private EndpointPort port(String entry, String prefix, int index, JsonNode node, List<InetAddress> ips,
                                  Map<String, Integer> listedAt) {
            String field = "ports[" + index + "]";
            if (node == null || !node.isObject()) {
                errors.add(prefix + field + ": " + describe(node)
                        + " (expected: a mapping with the fields port, protocol and nodePort)");
                return null;
            }
            PortDto dto = bind(node, PortDto.class, PortDto.FIELDS, prefix, field + ".");
            if (dto == null) {
                return null;
            }
            int errorsBefore = errors.size();

            Integer port = null;
            if (dto.port() == null) {
                errors.add(prefix + field + ".port: missing (expected: " + PORT_EXPECTED + ")");
            } else if (dto.port() < 1 || dto.port() > 65535) {
                errors.add(prefix + field + ".port: " + dto.port() + " (expected: " + PORT_EXPECTED + ")");
            } else {
                port = dto.port().intValue();
            }

            Protocol protocol = null;
            try {
                protocol = dto.protocol() == null ? Protocol.TCP : Protocol.parse(dto.protocol());
            } catch (IllegalArgumentException e) {
                errors.add(prefix + field + "." + e.getMessage());
            }

            OptionalInt nodePort = OptionalInt.empty();
            if (dto.nodePort() != null) {
                long value = dto.nodePort();
                if (value < range.start() || value > range.end()) {
                    errors.add(prefix + field + ".nodePort: " + value
                            + " (expected: inside port range " + range + ")");
                } else {
                    nodePort = OptionalInt.of((int) value);
                }
            }

            Optional<Duration> idleTimeout = Optional.empty();
            if (dto.idleTimeout() != null) {
                try {
                    Duration d = Durations.parse("idleTimeout", dto.idleTimeout());
                    if (protocol != null) {
                        EndpointPort.checkIdleTimeout(protocol, d);
                    }
                    idleTimeout = Optional.of(d);
                } catch (IllegalArgumentException e) {
                    errors.add(prefix + field + "." + e.getMessage());
                }
            }

            if (port != null && protocol != null) {
                String portKey = port + "/" + protocol.wireName();
                Integer first = listedAt.putIfAbsent(portKey, index);
                if (first != null) {
                    errors.add(prefix + field + ": " + portKey
                            + " (expected: each port and protocol once, already listed at ports[" + first + "])");
                }
            }
            for (InetAddress ip : nodePort.isPresent() && protocol != null ? ips : List.<InetAddress>of()) {
                // A dual-stack endpoint pins the same number in each family: they are separate port spaces.
                IpFamily family = IpFamily.of(ip);
                String pinKey = protocol.wireName() + "/" + family + "/" + nodePort.getAsInt();
                String where = entry + " " + field;
                String first = pinnedBy.putIfAbsent(pinKey, where);
                if (first != null) {
                    errors.add(prefix + field + ".nodePort: " + nodePort.getAsInt() + " (expected: unique per "
                            + "protocol and IP family, already pinned by " + first + ")");
                }
            }
            if (errors.size() > errorsBefore) {
                return null;
            }
            return new EndpointPort(port, protocol, nodePort, idleTimeout);
        }

        /** Binds {@code node} strictly; on failure records one error naming the field and returns null. */
        private <T> T bind(JsonNode node, Class<T> type, List<String> fields, String prefix, String fieldPrefix) {
            try {
                return mapper.treeToValue(node, type);
            } catch (UnrecognizedPropertyException e) {
                errors.add(prefix + fieldPrefix + path(e) + ": unknown field (expected one of: "
                        + String.join(", ", fields) + ")");
            } catch (MismatchedInputException e) {
                String path = path(e);
                errors.add(prefix + fieldPrefix + path + ": " + describe(node.at(pointer(e)))
                        + " (expected: " + expectedType(e.getTargetType()) + ")");
            } catch (JsonMappingException e) {
                String reason = e.getCause() instanceof InputCoercionException
                        ? describe(node.at(pointer(e))) + " (expected: " + PORT_EXPECTED + ")"
                        : shortReason(e);
                errors.add(prefix + fieldPrefix + path(e) + ": " + reason);
            } catch (JacksonException e) {
                errors.add(prefix + fieldPrefix.replaceAll("\\.$", "") + ": " + shortReason(e));
            }
            return null;
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static JsonPointer pointer(JsonMappingException e) {
        JsonPointer pointer = JsonPointer.empty();
        for (JsonMappingException.Reference reference : e.getPath()) {
            pointer = reference.getFieldName() != null
                    ? pointer.appendProperty(reference.getFieldName())
                    : pointer.appendIndex(Math.max(reference.getIndex(), 0));
        }
        return pointer;
    }

    private static String expectedType(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type == int.class || type == long.class) {
            return "an integer";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "a mapping";
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
