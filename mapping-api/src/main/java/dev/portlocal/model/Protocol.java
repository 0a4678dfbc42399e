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

    /**
     * Parses {@code tcp} or {@code udp}, in any case.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static Protocol parse(String value) {
        if (value != null) {
            for (Protocol p : values()) {
                if (p.name().equalsIgnoreCase(value)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("protocol: " + value + " (expected: tcp or udp)");
    }

    @Override
    public String toString() {
        return wireName();
    }
}
