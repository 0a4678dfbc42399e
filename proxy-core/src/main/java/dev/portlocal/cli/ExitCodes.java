package dev.portlocal.cli;

/** The process exit codes, documented in docs/cli.md. */
public final class ExitCodes {

    /** Success, including a clean shutdown on SIGTERM after draining. */
    public static final int OK = 0;
    /** A runtime failure: the daemon could not start or died. */
    public static final int FAILURE = 1;
    /** A usage error, or an invalid configuration or mapping file. */
    public static final int INVALID = 2;

    private ExitCodes() {
    }
}
