/**
 * The load generator: four workloads (bulk, keep-alive request/response closed- and open-loop, a new connection per
 * request, idle connections) against any target address, recording latency into HdrHistogram {@code Recorder}s.
 *
 * <p>Threading: each connection's state lives on its channel's event loop. The harness thread only starts a
 * workload, reads {@link java.util.concurrent.atomic.LongAdder}s and {@code Recorder} interval histograms (both safe
 * for that) and sets a volatile stop flag.
 */
package dev.portlocal.bench.load;
