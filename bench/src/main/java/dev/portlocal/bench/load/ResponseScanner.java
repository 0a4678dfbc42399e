package dev.portlocal.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Counts complete HTTP/1.x responses in a byte stream: a head ending in {@code \r\n\r\n}, then
 * {@code Content-Length} bytes of body (0 if absent). Chunked bodies are not supported; the harness's backend never
 * sends them.
 *
 * <p>Not thread-safe: one instance per connection, used on its event loop.
 */
public final class ResponseScanner {

    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

    private int terminatorMatched;
    /** Bytes of "content-length:" matched at the start of the current line, or -1 for another header. */
    private int nameMatched;
    private long contentLength;
    private long bodyRemaining;
    private boolean inBody;

    /**
     * Consumes every readable byte of {@code in} without moving its reader index.
     *
     * @return how many responses completed within these bytes
     * @throws IllegalStateException if a Content-Length is not a number
     */
    public int feed(ByteBuf in) {
        int completed = 0;
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (inBody) {
                long skip = Math.min(bodyRemaining, end - i);
                i += (int) skip;
                bodyRemaining -= skip;
                if (bodyRemaining == 0) {
                    inBody = false;
                    completed++;
                }
                continue;
            }
            if (feedHead(in.getByte(i++))) {
                if (contentLength == 0) {
                    completed++;
                } else {
                    inBody = true;
                    bodyRemaining = contentLength;
                }
                contentLength = 0;
            }
        }
        return completed;
    }

    /** True if this byte ended a response head. */
    private boolean feedHead(byte b) {
        switch (b) {
            case '\r':
                terminatorMatched = terminatorMatched == 2 ? 3 : 1;
                return false;
            case '\n':
                nameMatched = 0;
                if (terminatorMatched == 3) {
                    terminatorMatched = 0;
                    return true;
                }
                terminatorMatched = terminatorMatched == 1 ? 2 : 0;
                return false;
            default:
                terminatorMatched = 0;
                if (nameMatched == CONTENT_LENGTH.length) {
                    if (b >= '0' && b <= '9') {
                        contentLength = contentLength * 10 + (b - '0');
                    } else if (b != ' ' && b != '\t') {
                        throw new IllegalStateException("Content-Length: unexpected byte " + b
                                + " (expected: decimal digits)");
                    }
                } else if (nameMatched >= 0) {
                    int lower = b >= 'A' && b <= 'Z' ? b | 0x20 : b;
                    nameMatched = lower == CONTENT_LENGTH[nameMatched] ? nameMatched + 1 : -1;
                }
                return false;
        }
    }
}
