package dev.portlocal.model;

import java.util.Locale;

/** Whether a desired mapping is listening, and if not, why. */
public enum MappingState {
    /** The node port is bound and forwarding. */
    LISTENING,
    /**
     * The node port is held (bound, not listening: connections are refused) because the mapping's health check
     * finds the endpoint down.
     */
    ENDPOINT_DOWN,
    /** The node port is held and refuses connections because the source says the endpoint is not ready. */
    NOT_READY,
    /** The pinned node port is taken by another process or by another mapping. */
    CONFLICT,
    /** No free port in the range, or any other failure. */
    ERROR;

    /** The name used in the API and logs: {@code listening}, {@code endpoint-down}, {@code not-ready}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True if the mapping holds its node port: listening, or bound and refusing while its endpoint is down. */
    public boolean holdsPort() {
        return this == LISTENING || this == ENDPOINT_DOWN || this == NOT_READY;
    }

    @Override
    public String toString() {
        return wireName();
    }
}
