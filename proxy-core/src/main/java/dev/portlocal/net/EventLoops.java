package dev.portlocal.net;

import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The data plane's event loops, shared by TCP and UDP: {@link MultiThreadIoEventLoopGroup} with
 * {@link EpollIoHandler} or {@link NioIoHandler}. Never the deprecated {@code *EventLoopGroup} classes. The requested
 * {@link IoTransport} is resolved here, once; {@link #transport()} is the answer every plane builds on.
 *
 * <p>Threading: created and closed by the daemon's main thread; {@link #loops()} is immutable.
 */
public final class EventLoops implements AutoCloseable {

    private final IoTransport transport;
    private final MultiThreadIoEventLoopGroup group;
    private final List<IoEventLoop> loops;

    public EventLoops(IoTransport requested, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.transport = requested.resolve();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("portlocal-loop", true),
                transport == IoTransport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        List<IoEventLoop> list = new ArrayList<>();
        for (EventExecutor e : group) {
            list.add((IoEventLoop) e);
        }
        this.loops = List.copyOf(list);
    }

    public IoTransport transport() {
        return transport;
    }

    public MultiThreadIoEventLoopGroup group() {
        return group;
    }

    public List<IoEventLoop> loops() {
        return loops;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
