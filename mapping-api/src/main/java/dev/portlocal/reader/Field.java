package dev.portlocal.reader;

import java.util.function.Consumer;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * One field of an object in the reader's tables: its name, what it holds in words (for messages), how its value is
 * read, and what to do when it is absent. The reader runs only on a value that is present and not {@code null}; it
 * returns the value, or records a problem at the cursor and throws. {@code whenAbsent} runs on the absent field's
 * cursor (a required field records {@code field: missing (expected: ...)}); it may look at the field's siblings.
 *
 * @param <T> what the field reads to
 */
record Field<T>(String name, String expected, Function<Cursor, T> reader, Consumer<Cursor> whenAbsent) {

    Field {
        requireNonNull(name, "name");
        requireNonNull(expected, "expected");
        requireNonNull(reader, "reader");
        requireNonNull(whenAbsent, "whenAbsent");
    }

    static <T> Field<T> required(String name, String expected, Function<Cursor, T> reader) {
        return new Field<>(name, expected, reader, at -> at.expected(expected));
    }

    static <T> Field<T> optional(String name, String expected, Function<Cursor, T> reader) {
        return new Field<>(name, expected, reader, at -> { });
    }

    /** The same field, required. */
    Field<T> asRequired() {
        return required(name, expected, reader);
    }
}
