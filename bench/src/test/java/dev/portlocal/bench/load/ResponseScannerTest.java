package dev.portlocal.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResponseScannerTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

    private static int feed(ResponseScanner scanner, String text) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
        try {
            int n = scanner.feed(buf);
            assertEquals(0, buf.readerIndex(), "feed must not move the reader index");
            return n;
        } finally {
            buf.release();
        }
    }

    @Test
    void countsBackToBackResponses() {
        assertEquals(3, feed(new ResponseScanner(), OK + OK + OK));
    }

    @Test
    void responseSplitAnywhereCompletesExactlyOnce() {
        for (int split = 1; split < OK.length(); split++) {
            ResponseScanner scanner = new ResponseScanner();
            int first = feed(scanner, OK.substring(0, split));
            int second = feed(scanner, OK.substring(split));
            assertEquals(0, first, "split at " + split);
            assertEquals(1, second, "split at " + split);
        }
    }

    @Test
    void bodyBytesThatLookLikeHeadersAreSkipped() {
        String body = "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        String response = "HTTP/1.1 200 OK\r\ncontent-length: " + body.length() + "\r\n\r\n" + body;
        assertEquals(2, feed(new ResponseScanner(), response + OK));
    }

    @Test
    void missingContentLengthMeansAnEmptyBody() {
        assertEquals(2, feed(new ResponseScanner(), "HTTP/1.1 204 No Content\r\n\r\n" + OK));
    }

    @Test
    void rejectsANonNumericContentLength() {
        assertThrows(IllegalStateException.class,
                () -> feed(new ResponseScanner(), "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"));
    }
}
