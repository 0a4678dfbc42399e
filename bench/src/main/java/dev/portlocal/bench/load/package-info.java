/**
 * The load generator: the TCP workloads (bulk, keep-alive request/response closed- and open-loop, a new connection
 * per request, idle connections) and the UDP echo workload (throughput with a window of datagrams in flight, and
 * request/response with one) against loopback or the netns topology's addresses, recording latency into HdrHistogram
 * {@code Recorder}s.
 *
 * <p>Threading: each connection's or socket's state lives on its channel's event loop. The harness thread only starts
 * a workload, reads {@link java.util.concurrent.atomic.LongAdder}s and {@code Recorder} interval histograms (both
 * safe for that) and sets a volatile stop flag. {@link dev.portlocal.bench.load.DatagramWindow} is a plain
 * single-threaded object.
 */
package dev.portlocal.bench.load;
