package dev.portlocal.bench.backend;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RequestScannerTest {

    /** Feeds the text and returns, per completed request, whether it asked to close. */
    private static List<Boolean> scan(RequestScanner scanner, String text) {
        List<Boolean> completed = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            if (scanner.feed(b)) {
                completed.add(scanner.closeRequested());
            }
        }
        return completed;
    }

    @Test
    void findsPipelinedRequestsAndTheirCloseFlags() {
        String keepAlive = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        String close = "GET / HTTP/1.1\r\nHost: x\r\nCONNECTION:  Close\r\n\r\n";
        assertEquals(List.of(false, true, false), scan(new RequestScanner(), keepAlive + close + keepAlive));
    }

    @Test
    void requestSplitAtEveryByteIsStillFoundOnce() {
        RequestScanner scanner = new RequestScanner();
        String request = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        int found = 0;
        for (int i = 0; i < request.length(); i++) {
            found += scan(scanner, request.substring(i, i + 1)).size();
        }
        assertEquals(1, found);
        assertEquals(true, scanner.closeRequested());
    }

    @Test
    void closeOnlyCountsInTheConnectionHeader() {
        String request = "GET /close HTTP/1.1\r\nX-Note: close\r\nX-Connection: close\r\n\r\n";
        assertEquals(List.of(false), scan(new RequestScanner(), request));
    }

    @Test
    void bareLineFeedsDoNotEndAHead() {
        assertEquals(List.of(), scan(new RequestScanner(), "GET / HTTP/1.1\n\n"));
    }
}
