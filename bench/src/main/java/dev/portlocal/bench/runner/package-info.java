/**
 * The benchmark runner behind {@code bench/run.sh}: starts the backends and the proxies on loopback as child
 * processes, runs every workload against every target in interleaved rounds, accounts the proxies' CPU and memory
 * from {@code /proc}, and writes the report.
 *
 * <p>Threading: the runner is single-threaded (the {@code main} thread) apart from a shutdown hook that stops the
 * child processes it started, by PID, on Ctrl-C or SIGTERM.
 */
package dev.portlocal.bench.runner;
