/**
 * Event loops, channel options and the endless-write pump shared by the backends and the load generator.
 *
 * <p>Threading: {@link dev.portlocal.bench.transport.ChunkPump} runs on its channel's event loop only; counters it
 * updates are {@link java.util.concurrent.atomic.LongAdder}s read from the harness thread.
 */
package dev.portlocal.bench.transport;
