package dev.portlocal.reader;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * A table of the fields of one kind of object: reads an object into what it is built in, field by field in table
 * order, after reporting its unknown fields in the order written. The list of names an unknown field's message
 * offers comes from the table, so it never goes stale.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <B> what the object is built in
 */
final class Fields<B> {

    private final List<Field<B, ?>> fields;
    private final String names;

    Fields(List<Field<B, ?>> fields) {
        this.fields = List.copyOf(fields);
        List<String> list = new ArrayList<>();
        for (Field<B, ?> field : this.fields) {
            list.add(field.name());
        }
        this.names = String.join(", ", list);
    }

    /** {@code name, ip, ips, ports}: the fields in table order, for messages. */
    String names() {
        return names;
    }

    /**
     * Reads the object at {@code at} into a new {@code target}: its unknown fields are problems, then each field of
     * the table is read into it. A value that is not an object is a problem of the object itself.
     *
     * @return the target, every field of the object read into it
     * @throws Cursor.Invalid if any problem was found (each is recorded)
     */
    B read(Cursor at, Supplier<B> target) {
        if (!at.node().isObject()) {
            throw at.expected("an object with the fields " + names);
        }
        int before = at.problems().size();
        for (Iterator<String> it = at.node().fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (fields.stream().noneMatch(field -> field.name().equals(name))) {
                at.field(name).problem("unknown field (expected one of: " + names + ")");
            }
        }
        B built = target.get();
        for (Field<B, ?> field : fields) {
            field.readInto(at, built);
        }
        if (at.problems().size() > before) {
            throw Cursor.Invalid.INSTANCE;
        }
        return built;
    }
}
