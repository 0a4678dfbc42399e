package dev.portlocal.tcp.relay;

import dev.portlocal.tcp.conduit.RelayCounters;
import dev.portlocal.tcp.conduit.RelayStats;
import dev.portlocal.tcp.pipe.PipeNative;
import dev.portlocal.tcp.pipe.PipePool;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;

/**
 * What the relays of one event loop share: the buffer allocator, the pipe pool, the counters and the access log.
 *
 * <p>Threading: created anywhere; used only on {@link #loop()}. {@link #snapshot()} and {@link #close()} hop onto the
 * loop.
 */
public final class LoopResources {

    private final IoEventLoop loop;
    private final RelayConfig config;
    private final ByteBufAllocator allocator;
    private final AccessLog accessLog;
    final RelayCounters counters = new RelayCounters();
    final PipePool pipes;
    /** Endpoint sockets that could not be created (EMFILE, say): logged once per episode. */
    final FailureEpisode socketFailures = new FailureEpisode();
    private final FailureEpisode acceptFailures = new FailureEpisode();
    final ProxyHeaders proxyHeaders;

    public LoopResources(IoEventLoop loop, RelayConfig config, ByteBufAllocator allocator) {
        this(loop, config, allocator, AccessLog.onDemand());
    }

    public LoopResources(IoEventLoop loop, RelayConfig config, ByteBufAllocator allocator, AccessLog accessLog) {
        this.loop = loop;
        this.config = config;
        this.allocator = allocator;
        this.accessLog = accessLog;
        this.pipes = new PipePool(config.pipeSize(), config.maxPipesPerLoop(), counters);
        this.proxyHeaders = new ProxyHeaders(allocator);
    }

    public IoEventLoop loop() {
        return loop;
    }

    /** Accepts that failed on this loop's listeners: logged once per episode. */
    public FailureEpisode acceptFailures() {
        return acceptFailures;
    }

    RelayConfig config() {
        return config;
    }

    AccessLog accessLog() {
        return accessLog;
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
