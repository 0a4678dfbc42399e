/**
 * The benchmark runner behind {@code bench/run.sh}: starts the backends and the proxies as child processes, on
 * loopback or in the network namespaces of {@code --topology netns} (with kernel DNAT rules as one more target), runs
 * every workload against every target in interleaved rounds, accounts the proxies' and the machine's CPU and the
 * proxies' memory from {@code /proc}, and writes the report.
 *
 * <p>Threading: the runner is single-threaded (the {@code main} thread) apart from a shutdown hook that stops the
 * child processes it started, by PID, on Ctrl-C or SIGTERM (and, in the outer half of a netns run, the inner runner
 * and then the topology).
 */
package dev.portlocal.bench.runner;
