package dev.portlocal.tcp.pipe;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;

/** The two ends of one kernel pipe and its capacity. Event loop only. */
final class Pipe {

    final FileDescriptor readEnd;
    final FileDescriptor writeEnd;
    final int capacity;

    Pipe(FileDescriptor readEnd, FileDescriptor writeEnd, int capacity) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
        this.capacity = capacity;
    }

    void close() {
        try {
            readEnd.close();
        } catch (IOException ignored) {
            // closing releases the fd even on error
        }
        try {
            writeEnd.close();
        } catch (IOException ignored) {
            // as above
        }
    }
}
