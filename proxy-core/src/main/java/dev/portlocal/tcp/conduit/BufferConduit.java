package dev.portlocal.tcp.conduit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.Socket;

import java.io.IOException;

/**
 * The copy conduit: a direct buffer taken from a pooled allocator only while bytes are held, so an idle connection
 * holds no buffer at all. Reads and writes go straight between the socket and the buffer's native address.
 */
public final class BufferConduit implements Conduit {

    private final ByteBufAllocator allocator;
    private final RelayCounters counters;
    private final int capacity;
    private ByteBuf buffer;
    private long address;
    private int readIndex;
    private int writeIndex;

    public BufferConduit(ByteBufAllocator allocator, RelayCounters counters, int capacity) {
        this.allocator = allocator;
        this.counters = counters;
        this.capacity = capacity;
    }

    @Override
    public boolean isEmpty() {
        return readIndex == writeIndex;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int fill(Socket src) throws IOException {
        if (buffer == null) {
            buffer = allocator.directBuffer(capacity, capacity);
            address = buffer.memoryAddress();
        }
        int n;
        try {
            n = src.recvAddress(address, 0, capacity);
        } catch (IOException e) {
            release();
            throw e;
        }
        if (n > 0) {
            readIndex = 0;
            writeIndex = n;
        } else {
            release();
        }
        return n;
    }

    @Override
    public int drain(Socket dst) throws IOException {
        int n = dst.sendAddress(address, readIndex, writeIndex);
        readIndex += n;
        counters.copied(n);
        if (readIndex == writeIndex) {
            release();
        }
        return n;
    }

    @Override
    public void release() {
        readIndex = 0;
        writeIndex = 0;
        if (buffer != null) {
            ByteBuf b = buffer;
            buffer = null;
            address = 0;
            b.release();
        }
    }
}
