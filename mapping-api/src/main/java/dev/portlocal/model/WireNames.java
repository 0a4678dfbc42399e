package dev.portlocal.model;

/** Parsing of the enums whose wire name is their constant's name in lower case ({@link Protocol}, ...). */
final class WireNames {

    private WireNames() {
    }

    /**
     * The constant of {@code values} named {@code value}, in any case.
     *
     * @throws FieldException naming {@code field}, the value and {@code expected}
     */
    static <E extends Enum<E>> E parse(String field, String value, E[] values, String expected) {
        if (value != null) {
            for (E e : values) {
                if (e.name().equalsIgnoreCase(value)) {
                    return e;
                }
            }
        }
        throw new FieldException(field, value + " (expected: " + expected + ")");
    }
}
