package dev.portlocal.api;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Who may change mappings through the API. A request over the unix socket may always: the socket file's mode
 * (0660, the daemon's user and group) is the credential. Over TCP a change needs the bearer token when there is
 * one; without a token, TCP is read-only unless {@code insecure} (the old behaviour: every client that reaches the
 * port may change mappings). Reads from this host need nothing; reads from other hosts need the token.
 *
 * @param token    the bearer token, if the daemon has one
 * @param insecure whether a TCP client without a token may change mappings (only without a token)
 */
public record ApiAccess(Optional<BearerToken> token, boolean insecure) {

    public ApiAccess {
        requireNonNull(token, "token");
    }

    /** The default: writes need the token or the unix socket. */
    public static ApiAccess of(Optional<BearerToken> token) {
        return new ApiAccess(token, false);
    }

    /** How a change over TCP is allowed, for the log and {@code /v1/info}: token, socket-only or open. */
    public String tcpWrites() {
        return token.isPresent() ? "token" : insecure ? "open" : "none";
    }
}
