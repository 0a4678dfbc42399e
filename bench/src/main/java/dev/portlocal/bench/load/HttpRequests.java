package dev.portlocal.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/** The two fixed requests the generator sends, as shared read-only buffers: write {@code duplicate()}s. */
final class HttpRequests {

    static final ByteBuf KEEP_ALIVE = request(false);
    static final ByteBuf CLOSE = request(true);

    private HttpRequests() {
    }

    private static ByteBuf request(boolean close) {
        String text = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)).asReadOnly();
    }
}
