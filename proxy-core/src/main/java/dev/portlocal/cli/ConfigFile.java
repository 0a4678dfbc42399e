package dev.portlocal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The daemon's {@code --config} file: YAML holding any option of {@code portlocal run}, in camelCase. Flags win
 * over it. Unknown keys are errors, so a typo never silently falls back to a default.
 *
 * <pre>
 * mappings: /etc/portlocal/endpoints.yaml
 * portRange: 61000-62000
 * listenAddresses: [0.0.0.0, "::"]
 * drainTimeout: 30s
 * api: 127.0.0.1:9180
 * apiTokenFile: /etc/portlocal/api-token
 * apiInsecure: false
 * </pre>
 */
record ConfigFile(String mappings, String portRange, List<String> listenAddresses, List<String> nodeIps,
                  String stateDir, String transport, Integer threads, String drainTimeout, String connectTimeout,
                  String idleTimeout, String logLevel, String api, String apiTokenFile, Boolean apiInsecure,
                  String splice, Integer pipeSize, Integer maxPipesPerLoop, String udpIdleTimeout,
                  Integer udpMaxSessions) {

    static final ConfigFile EMPTY = new ConfigFile(null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null);

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    /** Reads {@code file}; the message of any failure names the file and, where it can, the key. */
    static ConfigFile load(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("config: " + file + " (cannot read: " + e.getMessage() + ")");
        }
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            return EMPTY;
        }
        try {
            ConfigFile c = YAML.readValue(content, ConfigFile.class);
            return c == null ? EMPTY : c;
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(file + ": " + e.getPropertyName()
                    + ": unknown key (expected one of: " + e.getKnownPropertyIds() + ")");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new IllegalArgumentException(file + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }
}
