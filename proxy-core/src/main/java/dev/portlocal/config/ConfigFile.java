package dev.portlocal.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * Reads the daemon's {@code --config} file: YAML whose keys are the options' keys, in camelCase, with a nested
 * mapping for a section ({@code kubernetes: {nodeName: ...}} for the key {@code kubernetes.nodeName}). A key set
 * to nothing ({@code mappings:}) leaves the option unset. Unknown keys are errors that list the known ones, so a
 * typo never silently falls back to a default; so are duplicate keys.
 *
 * <pre>
 * mappings: /etc/portlocal/endpoints.yaml
 * portRange: 61000-62000
 * listenAddresses: [0.0.0.0, "::"]
 * drainTimeout: 30s
 * api: 127.0.0.1:9180
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigFile {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Map<String, Option<?>> byKey = new LinkedHashMap<>();

    /** A reader of the keys of {@code options}. */
    public ConfigFile(List<Option<?>> options) {
        for (Option<?> option : options) {
            if (byKey.put(option.key(), option) != null) {
                throw new IllegalArgumentException("options: " + option.key() + " (expected: each key once)");
            }
        }
        for (String key : byKey.keySet()) {
            for (int dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
                if (byKey.containsKey(key.substring(0, dot))) {
                    throw new IllegalArgumentException("options: " + key.substring(0, dot)
                            + " (expected: either an option or a section, not both)");
                }
            }
        }
    }

    /**
     * Reads {@code file}: every error found, each prefixed with the file, or the values it sets.
     *
     * @throws InvalidConfigException naming the file and, for each bad key, the key and its value
     */
    public OptionValues read(Path file) {
        requireNonNull(file, "file");
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidConfigException(List.of("config: " + file + " (cannot read: " + e.getMessage() + ")"));
        }
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            return OptionValues.EMPTY;
        }
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidConfigException(List.of(file + where + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(file + ": " + e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return OptionValues.EMPTY;
        }
        List<String> errors = new ArrayList<>();
        OptionValues values = OptionValues.EMPTY;
        if (!root.isObject()) {
            errors.add(file + ": " + OptionType.describe(root) + " (expected: a mapping of option keys)");
        } else {
            values = section(file, "", root, values, errors);
        }
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return values;
    }

    /** The keys known inside {@code prefix} ("" for the top level, else "section."), sorted. */
    List<String> keysIn(String prefix) {
        TreeSet<String> keys = new TreeSet<>();
        for (String key : byKey.keySet()) {
            if (key.startsWith(prefix)) {
                String rest = key.substring(prefix.length());
                int dot = rest.indexOf('.');
                keys.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return List.copyOf(keys);
    }

    private OptionValues section(Path file, String prefix, JsonNode node, OptionValues values, List<String> errors) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = prefix + field.getKey();
            JsonNode value = field.getValue();
            Option<?> option = byKey.get(key);
            if (option != null) {
                if (!value.isNull()) {
                    try {
                        values = set(values, option, key, value);
                    } catch (IllegalArgumentException e) {
                        errors.add(file + ": " + e.getMessage());
                    }
                }
            } else if (!keysIn(key + ".").isEmpty()) {
                if (value.isObject()) {
                    values = section(file, key + ".", value, values, errors);
                } else if (!value.isNull()) {
                    errors.add(file + ": " + key + ": " + OptionType.describe(value) + " (expected: a mapping of "
                            + String.join(", ", keysIn(key + ".")) + ")");
                }
            } else {
                errors.add(file + ": " + key + ": unknown key (expected one of: "
                        + String.join(", ", keysIn(prefix)) + ")");
            }
        }
        return values;
    }

    private static <T> OptionValues set(OptionValues values, Option<T> option, String field, JsonNode node) {
        return values.with(option, option.fromNode(field, node));
    }
}
