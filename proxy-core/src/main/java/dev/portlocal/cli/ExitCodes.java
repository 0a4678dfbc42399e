package dev.portlocal.cli;

/**
 * The process exit codes, documented in docs/cli.md. They are part of the API: scripts branch on them.
 *
 * <p>The API clients ({@code endpoints}, {@code mappings}) map the API's answers: 400, 405, 413 and 415 are
 * {@link #INVALID}, 404 {@link #NOT_FOUND}, 409 {@link #CONFLICT}, 401 {@link #UNAUTHORIZED}; an unreachable API,
 * 503 and other 5xx are {@link #FAILURE}.
 */
public final class ExitCodes {

    /** Success, including a clean shutdown on SIGTERM after draining. */
    public static final int OK = 0;
    /** A runtime failure: the daemon could not start or died; the API is unreachable or failed. */
    public static final int FAILURE = 1;
    /** A usage error, or an invalid configuration, mapping file or request. */
    public static final int INVALID = 2;
    /** The API has no such endpoint or node port. */
    public static final int NOT_FOUND = 3;
    /** The API refused a change that conflicts: the mapping file owns the endpoint, or a pinned port is taken. */
    public static final int CONFLICT = 4;
    /** The API refused the token: missing or wrong. */
    public static final int UNAUTHORIZED = 5;

    private ExitCodes() {
    }

    /** The exit code for an API answer with {@code status}. */
    static int forStatus(int status) {
        if (status >= 200 && status < 300) {
            return OK;
        }
        switch (status) {
            case 400:
            case 405:
            case 413:
            case 414:
            case 415:
            case 431:
                return INVALID;
            case 401:
            case 403:
                return UNAUTHORIZED;
            case 404:
                return NOT_FOUND;
            case 409:
                return CONFLICT;
            default:
                return FAILURE;
        }
    }
}
