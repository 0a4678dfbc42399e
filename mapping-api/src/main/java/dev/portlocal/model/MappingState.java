package dev.portlocal.model;

import java.util.Locale;

/** Whether a desired mapping is listening, and if not, why. */
public enum MappingState {
    /** The node port is bound and forwarding. */
    LISTENING,
    /** The pinned node port is taken by another process or by another mapping. */
    CONFLICT,
    /** No free port in the range, or any other failure. */
    ERROR;

    /** The lower-case name used in the API and logs. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return wireName();
    }
}
