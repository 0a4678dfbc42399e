package dev.portlocal.bench.backend;

import java.nio.charset.StandardCharsets;

/**
 * Finds the ends of HTTP/1.x request heads ({@code \r\n\r\n}) in a byte stream, one byte at a time, and notes
 * whether a request asked for {@code Connection: close}. Requests are assumed to carry no body: the harness and wrk
 * send {@code GET}.
 *
 * <p>Not thread-safe: one instance per connection, used on its event loop.
 */
public final class RequestScanner {

    private static final byte[] CONNECTION = "connection:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "close".getBytes(StandardCharsets.US_ASCII);

    /** How much of {@code \r\n\r\n} was just seen: 0 to 3 bytes. */
    private int terminatorMatched;
    /** Bytes of "connection:" matched at the start of the current line, or -1 if this line is another header. */
    private int nameMatched;
    /** Bytes of "close" matched in the value of a Connection header. */
    private int valueMatched;
    private boolean closeInThisHead;
    private boolean closeRequested;

    /**
     * Consumes one byte.
     *
     * @return true if this byte ended a request head; {@link #closeRequested()} then tells about that request
     */
    public boolean feed(byte b) {
        switch (b) {
            case '\r':
                terminatorMatched = terminatorMatched == 2 ? 3 : 1;
                return false;
            case '\n':
                nameMatched = 0;
                valueMatched = 0;
                if (terminatorMatched == 3) {
                    terminatorMatched = 0;
                    closeRequested = closeInThisHead;
                    closeInThisHead = false;
                    return true;
                }
                terminatorMatched = terminatorMatched == 1 ? 2 : 0;
                return false;
            default:
                terminatorMatched = 0;
                matchConnectionClose(b);
                return false;
        }
    }

    private void matchConnectionClose(byte b) {
        int lower = b >= 'A' && b <= 'Z' ? b | 0x20 : b;
        if (nameMatched == CONNECTION.length) {
            if (lower == CLOSE[valueMatched]) {
                if (++valueMatched == CLOSE.length) {
                    closeInThisHead = true;
                    valueMatched = 0;
                }
            } else {
                valueMatched = lower == CLOSE[0] ? 1 : 0;
            }
        } else if (nameMatched >= 0) {
            nameMatched = lower == CONNECTION[nameMatched] ? nameMatched + 1 : -1;
        }
    }

    /** Whether the request head that {@link #feed} last reported complete asked for {@code Connection: close}. */
    public boolean closeRequested() {
        return closeRequested;
    }
}
