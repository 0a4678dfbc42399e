package dev.portlocal.tcp.relay;

import dev.portlocal.tcp.conduit.RelayCounters;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.pipe.PipeNative;
import dev.portlocal.tcp.pipe.PipePool;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;

/**
 * What the relays of one event loop share: the buffer allocator, the pipe pool and the counters.
 *
 * <p>Threading: created anywhere; used only on {@link #loop()}. {@link #snapshot()} and {@link #close()} hop onto the
 * loop.
 */
public final class LoopResources {

    private final IoEventLoop loop;
    private final RelayConfig config;
    private final ByteBufAllocator allocator;
    final RelayCounters counters = new RelayCounters();
    final PipePool pipes;
    final ProxyHeaders proxyHeaders;

    public LoopResources(IoEventLoop loop, RelayConfig config, ByteBufAllocator allocator) {
        this.loop = loop;
        this.config = config;
        this.allocator = allocator;
        this.pipes = new PipePool(config.pipeSize(), config.maxPipesPerLoop(), counters);
        this.proxyHeaders = new ProxyHeaders(allocator);
    }

    public IoEventLoop loop() {
        return loop;
    }

    RelayConfig config() {
        return config;
    }

    ByteBufAllocator allocator() {
        return allocator;
    }

    /** True when this loop's pipes are sized, which {@code auto} needs before it splices. */
    boolean sizedPipes() {
        return PipeNative.available();
    }

    /** The counters, read on the loop. Blocks briefly; not for the hot path. */
    public RelayStats snapshot() {
        if (loop.inEventLoop()) {
            return counters.snapshot();
        }
        if (loop.isShuttingDown()) {
            return counters.snapshot();
        }
        return loop.submit(counters::snapshot).syncUninterruptibly().getNow();
    }

    /** Closes idle pipes and the header encoder. */
    public void close() {
        if (loop.inEventLoop() || loop.isShuttingDown()) {
            closeNow();
        } else {
            loop.submit(this::closeNow).syncUninterruptibly();
        }
    }

    private void closeNow() {
        pipes.close();
        proxyHeaders.close();
    }
}
