package dev.portlocal.reader;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * One row of a reader's table: a field of an object, its name, what it holds in words (for messages), how a value
 * that is present is read, where that value goes in the object being built, and what it means when the field is
 * absent. The row is the only place the reader knows a field by: adding one to a table is adding the field.
 *
 * <p>{@code read} runs only on a value that is present and not {@code null}; it returns the value, or records a
 * problem at the cursor and throws {@link Cursor.Invalid}. {@code whenAbsent} runs on the absent field's cursor (a
 * required field records {@code field: missing (expected: ...)}); it may look at the field's siblings.
 *
 * @param <B> what the object is built in (a builder of the record, or a draft)
 * @param <T> what the field reads to
 */
record Field<B, T>(String name, String expected, Function<Cursor, T> read, BiConsumer<B, T> into,
                   Consumer<Cursor> whenAbsent) {

    Field {
        requireNonNull(name, "name");
        requireNonNull(expected, "expected");
        requireNonNull(read, "read");
        requireNonNull(into, "into");
        requireNonNull(whenAbsent, "whenAbsent");
    }

    static <B, T> Field<B, T> required(String name, String expected, Function<Cursor, T> read,
                                       BiConsumer<B, T> into) {
        return new Field<>(name, expected, read, into, at -> at.expected(expected));
    }

    static <B, T> Field<B, T> optional(String name, String expected, Function<Cursor, T> read,
                                       BiConsumer<B, T> into) {
        return new Field<>(name, expected, read, into, at -> { });
    }

    /** The same field, required. */
    Field<B, T> asRequired() {
        return required(name, expected, read, into);
    }

    /** Reads this field of the object at {@code object} into {@code target}; a problem is recorded, not thrown. */
    void readInto(Cursor object, B target) {
        Cursor at = object.field(name);
        if (!at.present()) {
            whenAbsent.accept(at);
            return;
        }
        try {
            into.accept(target, read.apply(at));
        } catch (Cursor.Invalid e) {
            // recorded at the cursor; the next field is read all the same
        }
    }
}
