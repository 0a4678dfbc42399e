package dev.portlocal.reader;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A table of the fields of one kind of object: reads an object field by field, in table order, after reporting its
 * unknown fields in the order written. The table is the one place a field is declared: its name, the message when
 * it is missing, how it is read, and the list of names an unknown field's message offers.
 *
 * <p>Immutable and thread-safe.
 */
final class Fields {

    private final List<Field<?>> fields;
    private final String names;

    Fields(List<Field<?>> fields) {
        this.fields = List.copyOf(fields);
        List<String> list = new ArrayList<>();
        for (Field<?> field : fields) {
            list.add(field.name());
        }
        this.names = String.join(", ", list);
    }

    /** {@code name, ip, ips, ports}: the fields in table order, for messages. */
    String names() {
        return names;
    }

    /**
     * Reads the object at {@code at}: its unknown fields are problems, then each field of the table is read. A value
     * that is not an object is a problem of the object itself.
     *
     * @throws Cursor.Invalid if the value is not an object (the problem is recorded)
     */
    Values read(Cursor at) {
        JsonNode node = at.node();
        if (!node.isObject()) {
            throw at.expected("an object with the fields " + names);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (fields.stream().noneMatch(field -> field.name().equals(name))) {
                at.field(name).problem("unknown field (expected one of: " + names + ")");
            }
        }
        Values values = new Values();
        for (Field<?> field : fields) {
            read(at.field(field.name()), field, values);
        }
        return values;
    }

    private static <T> void read(Cursor at, Field<T> field, Values values) {
        if (!at.present()) {
            field.whenAbsent().accept(at);
            return;
        }
        try {
            values.put(field, field.reader().apply(at));
        } catch (Cursor.Invalid e) {
            // recorded at the cursor; the next field is read all the same
        }
    }

    /** What one object's fields read to: a field absent, null or invalid has no value. */
    static final class Values {
        private final Map<Field<?>, Object> byField = new HashMap<>();

        <T> void put(Field<T> field, T value) {
            byField.put(field, value);
        }

        @SuppressWarnings("unchecked")
        <T> Optional<T> get(Field<T> field) {
            return Optional.ofNullable((T) byField.get(field));
        }
    }
}
