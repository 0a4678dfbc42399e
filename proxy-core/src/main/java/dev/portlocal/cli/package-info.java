/**
 * The command line: one picocli root command and one class per subcommand; {@code endpoints} and {@code mappings}
 * are clients of the HTTP API. Exit codes are part of the API (see {@link dev.portlocal.cli.ExitCodes}): 0 success,
 * 1 runtime failure, 2 usage error or invalid input, 3 not found, 4 conflict, 5 refused token.
 *
 * <p>Threading: commands run on the main thread; {@code run} and {@code demo} block until the daemon stops.
 */
package dev.portlocal.cli;
