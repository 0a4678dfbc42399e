package dev.portlocal.bench.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;

/** Epoll event loops and the socket options both sides of the harness use, for TCP and UDP. */
public final class Transport {

    /** Bulk writes go out in chunks of this size, as iperf3's default of 128 KiB. */
    public static final int CHUNK_SIZE = 128 * 1024;

    /** Enough queued bytes per stream that the socket never waits on the pump. */
    public static final WriteBufferWaterMark BULK_WATER_MARK = new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

    /**
     * The largest UDP payload either side of the harness handles: a jumbo frame. Epoll's batched reads (recvmmsg)
     * cut the read buffer into slots of this size and would truncate anything larger.
     */
    public static final int MAX_DATAGRAM = 9_000;

    /** Datagrams one batched read (recvmmsg) can return. */
    public static final int DATAGRAMS_PER_READ = 16;

    private Transport() {
    }

    /**
     * A group of {@code threads} epoll event loops.
     *
     * @throws IllegalStateException if native epoll is not available: the harness measures epoll only
     */
    public static MultiThreadIoEventLoopGroup newGroup(int threads) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("native epoll is not available: " + Epoll.unavailabilityCause());
        }
        return new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    }

    /**
     * Reads into buffers of one chunk, as iperf3 reads into its 128 KiB buffer: the pooled buffer that comes back
     * for the next read stays in the CPU cache, which a larger (adaptive, up to 1 MiB) buffer would not.
     */
    public static RecvByteBufAllocator bulkReadAllocator() {
        return new FixedRecvByteBufAllocator(CHUNK_SIZE);
    }

    /**
     * Configures a datagram bootstrap for batched I/O: reads of up to {@link #DATAGRAMS_PER_READ} datagrams with
     * recvmmsg; writes queued within one read burst and flushed together go out with sendmmsg.
     */
    public static Bootstrap datagramOptions(Bootstrap bootstrap) {
        return bootstrap
                .option(ChannelOption.RECVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(MAX_DATAGRAM * DATAGRAMS_PER_READ))
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
    }

    /** One shared read-only chunk of bulk payload; write {@code duplicate()}s of it, never release it. */
    public static ByteBuf newChunk() {
        ByteBuf buf = Unpooled.directBuffer(CHUNK_SIZE);
        for (int i = 0; i < CHUNK_SIZE; i++) {
            buf.writeByte((byte) (i * 31 + 7));
        }
        return Unpooled.unreleasableBuffer(buf).asReadOnly();
    }
}
