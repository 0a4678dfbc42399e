package dev.portlocal.tcp.conduit;

import io.netty.channel.unix.Socket;

import java.io.IOException;

/**
 * Where bytes wait between the source socket and the destination socket of one relay direction. The relay fills a
 * conduit only when it is empty, which is what makes a zero-byte fill after a hang-up an unambiguous end of stream
 * for conduits (pipes) whose read cannot tell EOF from "would block".
 *
 * <p>Threading: owned by one direction of one connection, on its event loop.
 */
public interface Conduit {

    boolean isEmpty();

    /** The most one {@link #fill} may read; a shorter read means the source is drained for now. */
    int capacity();

    /**
     * Reads from {@code src} into the empty conduit.
     *
     * @return bytes read; {@code 0} when nothing could be read (would block, or for a pipe possibly end of stream);
     *         {@code -1} at a certain end of stream
     * @throws IOException on a socket error such as a reset
     */
    int fill(Socket src) throws IOException;

    /**
     * Writes as much of the held bytes to {@code dst} as it takes.
     *
     * @return bytes written, possibly 0
     * @throws IOException on a socket error such as a broken pipe or a reset
     */
    int drain(Socket dst) throws IOException;

    /** Gives back any resources. Bytes still held are dropped: call only when the connection is aborting or done. */
    void release();
}
