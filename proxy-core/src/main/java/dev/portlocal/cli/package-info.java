/**
 * The command line: one picocli root command and one class per subcommand. Exit codes are part of the API:
 * 0 success, 1 runtime failure, 2 usage error or invalid configuration or mapping file.
 *
 * <p>Threading: commands run on the main thread; {@code run} and {@code demo} block until the daemon stops.
 */
package dev.portlocal.cli;
