package dev.portlocal.model;

import java.util.Locale;

/** A transport protocol. TCP and UDP have separate node port spaces, as in NodePortLocal since v1.8. */
public enum Protocol {
    TCP,
    UDP;

    /** The lower-case name used in the mapping file, the API and the NPL annotation. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What {@link #parse} accepts, in words, for error messages. */
    public static final String EXPECTED = "tcp or udp";

    /**
     * Parses {@code tcp} or {@code udp}, in any case.
     *
     * @throws FieldException naming the field {@code protocol}, the value and what was expected
     */
    public static Protocol parse(String value) {
        return parse("protocol", value);
    }

    /**
     * Parses {@code tcp} or {@code udp}, in any case, written in {@code field}.
     *
     * @throws FieldException naming {@code field}, the value and what was expected
     */
    public static Protocol parse(String field, String value) {
        return WireNames.parse(field, value, values(), EXPECTED);
    }

    @Override
    public String toString() {
        return wireName();
    }
}
