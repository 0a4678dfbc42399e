package dev.portlocal.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;

/**
 * The API's JSON: one strict mapper for request bodies (duplicate keys and trailing content are errors) and the
 * same mapper for answers. Thread-safe.
 */
public final class ApiJson {

    /** Values longer than this are cut in error messages, so an error never echoes a megabyte back. */
    private static final int MAX_ECHO = 200;

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ApiJson() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Serializes an answer. */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Parses a request body strictly.
     *
     * @throws ApiException 400 naming the body, with the line and column of a syntax error
     */
    public static JsonNode readBody(byte[] body) {
        if (body.length == 0) {
            throw new ApiException(400, ApiError.of("body: empty (expected: a JSON object)", "body", (JsonNode) null));
        }
        try {
            JsonNode root = MAPPER.readTree(body);
            if (root == null || root.isMissingNode()) {
                throw new ApiException(400, ApiError.of("body: empty (expected: a JSON object)", "body",
                        (JsonNode) null));
            }
            return root;
        } catch (JacksonException e) {
            JsonLocation where = e.getLocation();
            String position = where == null || where.getLineNr() < 0 ? ""
                    : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            throw new ApiException(400, ApiError.of("body: malformed JSON" + position + ": " + firstLine(e),
                    "body", (JsonNode) null));
        } catch (IOException e) {
            throw new ApiException(400, ApiError.of("body: unreadable (" + e.getMessage() + ")", "body",
                    (JsonNode) null));
        }
    }

    /** {@code value} for an error's {@code value} field: as sent, or cut to a string if long. */
    static JsonNode echo(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return null;
        }
        if (value.isContainerNode() || (value.isTextual() && value.asText().length() > MAX_ECHO)) {
            String text = value.toString();
            return text.length() > MAX_ECHO ? TextNode.valueOf(text.substring(0, MAX_ECHO) + "...") : value;
        }
        return value;
    }

    /** {@code value} in JSON notation for an error message, cut if long. */
    static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "missing";
        }
        String text = value.toString();
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    private static String firstLine(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = message.lines().findFirst().orElse(message).strip();
        return line.length() > MAX_ECHO ? line.substring(0, MAX_ECHO) + "..." : line;
    }
}
