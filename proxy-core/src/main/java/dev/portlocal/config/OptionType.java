package dev.portlocal.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portlocal.model.Durations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * How an option's value is written: on the command line (one flag value, a repeated flag, or a switch) and in the
 * config file (a YAML scalar, list or boolean). Both go through the same parser, so a value means the same wherever
 * it is written; the config file's types are strict where YAML has the type (a quoted {@code "4"} is no integer).
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the value's type
 */
public final class OptionType<T> {

    /** Reads one value from its text; the message of a failure names {@code field} and the text. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String field, String text);
    }

    /** How the command line writes a value. */
    public enum Shape {
        /** {@code --flag VALUE}, at most once. */
        VALUE,
        /** {@code --flag VALUE}, repeatable: the values in order. */
        LIST,
        /** {@code --flag}, no value: true. */
        SWITCH
    }

    @FunctionalInterface
    private interface NodeReader<T> {
        T read(String field, JsonNode node);
    }

    private static final ObjectMapper FLOW = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Shape shape;
    private final Parser<T> fromText;
    private final NodeReader<T> fromNode;
    private final Function<T, String> format;
    private final Option.Check<T> check;

    private OptionType(Shape shape, Parser<T> fromText, NodeReader<T> fromNode, Function<T, String> format) {
        this(shape, fromText, fromNode, format, (field, value) -> { });
    }

    private OptionType(Shape shape, Parser<T> fromText, NodeReader<T> fromNode, Function<T, String> format,
                       Option.Check<T> check) {
        this.shape = shape;
        this.fromText = fromText;
        this.fromNode = fromNode;
        this.format = format;
        this.check = check;
    }

    /**
     * A value written as text, shown by {@code format}. In the config file any scalar is read as its text, so
     * {@code api: 9180} gets the parser's own message rather than a type error.
     */
    public static <T> OptionType<T> text(Parser<T> parser, Function<T, String> format) {
        requireNonNull(parser, "parser");
        requireNonNull(format, "format");
        return new OptionType<>(Shape.VALUE, parser, (field, node) -> parser.parse(field, scalar(field, node)), format);
    }

    /** A value written as text and shown with {@link Object#toString()}. */
    public static <T> OptionType<T> text(Parser<T> parser) {
        return text(parser, String::valueOf);
    }

    /** A file or directory path; a relative one stays relative to the working directory. */
    public static OptionType<Path> path() {
        return text((field, text) -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException(field + ": \"" + text + "\" (expected: a path)");
            }
            return Path.of(text);
        });
    }

    /** A duration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601; shown in its largest unit. */
    public static OptionType<Duration> duration() {
        return text(Durations::parse, OptionType::formatDuration);
    }

    /** An integer in {@code min..max}; the config file writes it as a YAML integer. */
    public static OptionType<Integer> integer(int min, int max) {
        String expected = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer " + min + "-" + max;
        Parser<Integer> fromText = (field, text) -> {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + ": " + text + " (expected: " + expected + ")");
            }
        };
        return new OptionType<>(Shape.VALUE, fromText, (field, node) -> {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw new IllegalArgumentException(field + ": " + describe(node) + " (expected: " + expected + ")");
            }
            return node.intValue();
        }, String::valueOf, (field, value) -> {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + ": " + value + " (expected: " + expected + ")");
            }
        });
    }

    /** A switch: the flag alone means true; the config file writes {@code true} or {@code false}. */
    public static OptionType<Boolean> bool() {
        return new OptionType<>(Shape.SWITCH, (field, text) -> Boolean.parseBoolean(text), (field, node) -> {
            if (!node.isBoolean()) {
                throw new IllegalArgumentException(field + ": " + describe(node) + " (expected: true or false)");
            }
            return node.booleanValue();
        }, String::valueOf);
    }

    /**
     * A value written as an object: a YAML mapping in the config file, and the same mapping in YAML flow style as
     * the flag's value ({@code --flag '{a: 1, b: 2}'}); both read by {@code reader}.
     */
    public static <T> OptionType<T> object(BiFunction<String, JsonNode, T> reader, Function<T, String> format) {
        requireNonNull(reader, "reader");
        requireNonNull(format, "format");
        return new OptionType<>(Shape.VALUE, (field, text) -> {
            JsonNode node;
            try {
                node = FLOW.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(field + ": " + text + " (expected: a YAML mapping, as {a: 1})");
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(field + ": " + text + " (expected: a YAML mapping, as {a: 1})");
            }
            return reader.apply(field, node);
        }, (field, node) -> {
            if (!node.isObject()) {
                throw new IllegalArgumentException(field + ": " + describe(node) + " (expected: a mapping)");
            }
            return reader.apply(field, node);
        }, format);
    }

    /** A list: the flag repeated, or a YAML list of scalars; each element read by {@code element}. */
    public static <E> OptionType<List<E>> list(Parser<E> element, Function<E, String> format) {
        requireNonNull(element, "element");
        requireNonNull(format, "format");
        return new OptionType<>(Shape.LIST, (field, text) -> List.of(element.parse(field, text)), (field, node) -> {
            if (!node.isArray()) {
                throw new IllegalArgumentException(field + ": " + describe(node) + " (expected: a list)");
            }
            List<E> out = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                String elementField = field + "[" + i + "]";
                out.add(element.parse(elementField, scalar(elementField, node.get(i))));
            }
            return List.copyOf(out);
        }, list -> list.stream().map(format).collect(Collectors.joining(", ")));
    }

    public Shape shape() {
        return shape;
    }

    /**
     * The value of the flag as given: one text for {@link Shape#VALUE}, one per occurrence for {@link Shape#LIST},
     * none for {@link Shape#SWITCH}.
     */
    @SuppressWarnings("unchecked")
    T fromFlag(String field, List<String> texts) {
        switch (shape) {
            case SWITCH:
                return fromText.parse(field, "true");
            case LIST:
                List<Object> out = new ArrayList<>();
                for (String text : texts) {
                    out.addAll((List<?>) fromText.parse(field, text));
                }
                return (T) List.copyOf(out);
            default:
                return fromText.parse(field, texts.get(texts.size() - 1));
        }
    }

    /**
     * The value of a config-file node, which is neither null nor missing (those leave the option unset).
     *
     * @throws IllegalArgumentException naming {@code field} and the value as written
     */
    T fromNode(String field, JsonNode node) {
        return fromNode.read(field, node);
    }

    /** Checks a value, however it was given (an integer's range, for example). */
    void check(String field, T value) {
        check.check(field, value);
    }

    /** The value as the help and the docs show it, e.g. {@code 30s}. */
    String format(T value) {
        return format.apply(value);
    }

    private static String scalar(String field, JsonNode node) {
        if (!node.isValueNode() || node.isNull()) {
            throw new IllegalArgumentException(field + ": " + describe(node) + " (expected: a single value)");
        }
        return node.asText();
    }

    /** A value as written, in JSON notation so that a quoted number shows as a string. */
    static String describe(JsonNode node) {
        String text = node.toString();
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    /** {@code 30s}, {@code 1h}, {@code 500ms}: the largest unit that divides it; ISO-8601 for the rest. */
    static String formatDuration(Duration d) {
        if (d.isNegative() || d.toNanosPart() % 1_000_000 != 0) {
            return d.toString();
        }
        long millis = d.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
