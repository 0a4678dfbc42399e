package dev.portlocal.reader;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.portlocal.model.FieldException;

import java.util.function.Supplier;

/**
 * A position in the tree being read: a node, its path from the object read ({@code ports[0].nodePort}), and the
 * problems of this read. Field readers take their value through it and report what is wrong with it, so that every
 * message names the path and shows the value as written.
 *
 * <p>A reader that finds a problem records it and throws {@link Invalid}: the value is unusable, but the read goes
 * on with the next field (or stops, with {@link Problems#first()}).
 */
final class Cursor {

    /** Values longer than this are cut in messages, so a message never repeats a megabyte. */
    private static final int MAX_SHOWN = 80;

    private final Cursor parent;
    private final JsonNode node;
    private final String path;
    private final Problems problems;

    /** The object to read, at the empty path. */
    Cursor(JsonNode node, Problems problems) {
        this(null, node, "", problems);
    }

    private Cursor(Cursor parent, JsonNode node, String path, Problems problems) {
        this.parent = parent;
        this.node = node == null ? MissingNode.getInstance() : node;
        this.path = path;
        this.problems = problems;
    }

    JsonNode node() {
        return node;
    }

    String path() {
        return path;
    }

    Problems problems() {
        return problems;
    }

    /** True unless the value is absent or {@code null}: {@code null} for an optional field means absent. */
    boolean present() {
        return !node.isMissingNode() && !node.isNull();
    }

    Cursor field(String name) {
        return new Cursor(this, node.path(name), path.isEmpty() ? name : path + "." + name, problems);
    }

    Cursor element(int index) {
        return new Cursor(this, node.path(index), path + "[" + index + "]", problems);
    }

    /** Another field of the object this field is in. */
    Cursor sibling(String name) {
        if (parent == null) {
            throw new IllegalStateException("the object read has no siblings");
        }
        return parent.field(name);
    }

    /** Records {@code detail} (the value, then what was expected) as this field's problem. */
    Invalid problem(String detail) {
        problems.add(new Problem(path, node, path.isEmpty() ? detail : path + ": " + detail));
        return Invalid.INSTANCE;
    }

    /** Records that the value, shown as written, is not {@code expected}. */
    Invalid expected(String expected) {
        return problem(describe(node) + " (expected: " + expected + ")");
    }

    /** The value as a string; anything else is a problem naming {@code expected}. */
    String text(String expected) {
        if (!node.isTextual()) {
            throw expected(expected);
        }
        return node.asText();
    }

    /** The value as an integer node (any size); anything else is a problem naming {@code expected}. */
    JsonNode integral(String expected) {
        if (!node.isIntegralNumber()) {
            throw expected(expected);
        }
        return node;
    }

    /** Runs a rule of the model on this value; a {@link FieldException} becomes this field's problem. */
    <T> T check(Supplier<T> rule) {
        try {
            return rule.get();
        } catch (FieldException e) {
            throw problem(shortened(e.detail()));
        }
    }

    /**
     * Runs a rule of the model over the object at this position, such as a record's constructor; a
     * {@link FieldException} becomes the problem of the field it names, below this position.
     */
    <T> T checkWithin(Supplier<T> rule) {
        try {
            return rule.get();
        } catch (FieldException e) {
            JsonNode value = node.at(pointer(e.field()));
            String field = path.isEmpty() ? e.field() : path + "." + e.field();
            problems.add(new Problem(field, value, field + ": " + e.detail()));
            throw Invalid.INSTANCE;
        }
    }

    /** The detail with the value cut, when the value as written is long. */
    private String shortened(String detail) {
        String text = node.isTextual() ? node.asText() : null;
        if (text != null && text.length() > MAX_SHOWN && detail.startsWith(text)) {
            return text.substring(0, MAX_SHOWN) + "..." + detail.substring(text.length());
        }
        return detail;
    }

    /** {@code ports[2].nodePort} as a JSON pointer, {@code /ports/2/nodePort}. */
    static JsonPointer pointer(String field) {
        StringBuilder out = new StringBuilder();
        for (String part : field.split("\\.")) {
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (!name.isEmpty()) {
                out.append('/').append(name.replace("~", "~0").replace("/", "~1"));
            }
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                out.append('/').append(part, bracket + 1, close);
                bracket = part.indexOf('[', close);
            }
        }
        return JsonPointer.compile(out.toString());
    }

    /** A value as written, in JSON notation so that a quoted number shows as a string; cut if long. */
    static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "missing";
        }
        String text = value.toString();
        return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
    }

    /** The value at a cursor is unusable; its problem is recorded already. Carries no stack. */
    static final class Invalid extends RuntimeException {
        static final Invalid INSTANCE = new Invalid();

        private Invalid() {
            super("invalid value", null, false, false);
        }
    }
}
