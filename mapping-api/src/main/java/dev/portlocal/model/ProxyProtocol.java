package dev.portlocal.model;

import java.util.Locale;

/**
 * The PROXY protocol version a TCP mapping writes to its endpoint before the client's first byte, so the endpoint
 * learns the client's address and port (and the node port's local address) although the connection it accepts
 * comes from the relay. {@code v1} is the text header ({@code PROXY TCP4 src dst sport dport\r\n}), {@code v2} the
 * binary one; the endpoint must be set to expect exactly that version, since every connection starts with it.
 */
public enum ProxyProtocol {
    V1,
    V2;

    /** What {@link #parse} accepts, in words, for error messages. */
    public static final String EXPECTED = "v1 or v2";

    /** The lower-case name used in the mapping file, the API and the state file. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code v1} or {@code v2}, in any case, written in {@code field}.
     *
     * @throws FieldException naming {@code field}, the value and what was expected
     */
    public static ProxyProtocol parse(String field, String value) {
        return WireNames.parse(field, value, values(), EXPECTED);
    }

    @Override
    public String toString() {
        return wireName();
    }
}
