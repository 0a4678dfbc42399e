package dev.portlocal.model;

import java.util.Locale;

/** Where a desired endpoint comes from. Each endpoint name is owned by one source at a time. */
public enum Source {
    /** The mapping file. */
    FILE,
    /** The HTTP API. */
    API,
    /** The Kubernetes source: the local Pods selected by Services that opt in, one endpoint per Pod. */
    KUBERNETES;

    /** The lower-case name used in the API, the state file and logs. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code file}, {@code api} or {@code kubernetes}, in any case.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static Source parse(String value) {
        if (value != null) {
            for (Source s : values()) {
                if (s.name().equalsIgnoreCase(value)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("source: " + value + " (expected: file, api or kubernetes)");
    }

    @Override
    public String toString() {
        return wireName();
    }
}
