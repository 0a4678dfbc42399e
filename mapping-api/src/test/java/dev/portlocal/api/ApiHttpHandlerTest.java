package dev.portlocal.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API's pipeline on an {@link EmbeddedChannel}: every buffer in and out is released. */
class ApiHttpHandlerTest {

    private static final Executor DIRECT = Runnable::run;

    private final List<ByteBuf> inbound = new ArrayList<>();
    private final List<ApiRequest> seen = new ArrayList<>();
    private EmbeddedChannel channel;

    private final Function<ApiRequest, ApiResponse> echo = request -> {
        seen.add(request);
        return new ApiResponse(200, ("{\"method\":\"" + request.method() + "\",\"bytes\":" + request.body().length
                + "}").getBytes(StandardCharsets.UTF_8));
    };

    private EmbeddedChannel pipeline(int maxBody, Function<ApiRequest, ApiResponse> routes, Executor executor) {
        channel = new EmbeddedChannel(new HttpServerCodec(ApiServer.MAX_INITIAL_LINE, ApiServer.MAX_HEADER_SIZE,
                8192), new ApiRequestAggregator(maxBody), new ApiHttpHandler(routes, executor));
        return channel;
    }

    private void send(String text) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        inbound.add(buf);
        channel.writeInbound(buf);
    }

    /** Every response written so far, as text; each outbound buffer is released. */
    private String responses() {
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            assertTrue(buf.release(), "outbound buffer fully released");
        }
        return out.toString();
    }

    @AfterEach
    void everyBufferReleased() {
        if (channel != null) {
            responses();
            channel.finishAndReleaseAll();
        }
        for (ByteBuf buf : inbound) {
            assertEquals(0, buf.refCnt(), "inbound buffer released");
        }
    }

    @Test
    void aRequestIsCopiedReleasedAndAnswered() {
        pipeline(1024, echo, DIRECT);
        send("PUT /v1/endpoints/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer t\r\nContent-Length: 2\r\n\r\n{}");
        String out = responses();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertTrue(out.contains("content-type: application/json; charset=utf-8"), out);
        assertTrue(out.contains("content-length: 26"), out);
        assertTrue(out.endsWith("{\"method\":\"PUT\",\"bytes\":2}"), out);
        assertEquals(1, seen.size());
        assertEquals("application/json", seen.get(0).contentType().orElseThrow());
        assertEquals("Bearer t", seen.get(0).authorization().orElseThrow());
        assertEquals("/v1/endpoints/x", seen.get(0).uri());
        assertFalse(seen.get(0).local(), "an embedded peer is not loopback");
        assertTrue(channel.isOpen(), "HTTP/1.1 keeps the connection");
    }

    @Test
    void keepAliveServesRequestsInOrderAndCloseCloses() {
        pipeline(1024, echo, DIRECT);
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\nDELETE /b HTTP/1.1\r\nHost: h\r\n\r\n");
        String out = responses();
        assertTrue(out.indexOf("\"GET\"") < out.indexOf("\"DELETE\"") && out.contains("\"DELETE\""), out);
        assertTrue(channel.isOpen());
        send("GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertTrue(responses().contains("connection: close"));
        assertFalse(channel.isOpen());
    }

    @Test
    void aDirectlyWrittenRequestIsReleased() {
        channel = new EmbeddedChannel(new ApiHttpHandler(echo, DIRECT));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz",
                Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
        channel.writeInbound(request);
        assertEquals(0, request.refCnt());
        Object response = channel.readOutbound();
        assertTrue(response instanceof io.netty.handler.codec.http.FullHttpResponse);
        assertTrue(((io.netty.handler.codec.http.FullHttpResponse) response).release());
        assertEquals(3, seen.get(0).body().length);
    }

    @Test
    void aContentLengthAboveTheLimitGets413ThenTheBodyIsDiscardedAndTheConnectionCloses() {
        pipeline(1024, echo, DIRECT);
        send("PUT /v1/endpoints/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                + "Content-Length: 3000\r\n\r\n");
        String out = responses();
        assertTrue(out.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), out);
        assertTrue(out.contains("connection: close"), out);
        assertTrue(out.endsWith("{\"error\":\"body: more than 1024 bytes (expected: at most 1024)\",\"field\":"
                + "\"body\",\"value\":null}"), out);
        assertTrue(channel.isOpen(), "the rest of the body is read first");
        send("x".repeat(2000));
        assertTrue(channel.isOpen());
        send("x".repeat(1000));
        assertFalse(channel.isOpen(), "closed once the body is discarded");
        assertEquals(List.of(), seen, "the routes never saw it");
    }

    @Test
    void expectContinueIsAnsweredWithContinueOrAJson413() {
        pipeline(1024, echo, DIRECT);
        send("PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3000\r\n\r\n");
        String refused = responses();
        assertTrue(refused.startsWith("HTTP/1.1 413"), refused);
        assertTrue(refused.endsWith("\"field\":\"body\",\"value\":null}"), refused);
        assertTrue(channel.isOpen(), "no body was sent: the connection stays usable");

        send("PUT /y HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n", responses());
        send("{}");
        String answered = responses();
        assertTrue(answered.startsWith("HTTP/1.1 200") && answered.endsWith("\"bytes\":2}"), answered);
        assertEquals(List.of("/y"), seen.stream().map(ApiRequest::uri).toList());
    }

    @Test
    void aChunkedBodyAboveTheLimitGets413() {
        pipeline(16, echo, DIRECT);
        send("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n");
        send("10\r\n0123456789abcdef\r\n");
        assertTrue(responses().startsWith("HTTP/1.1 413"));
        assertTrue(channel.isOpen(), "the rest of the body is read first");
        send("10\r\n0123456789abcdef\r\n0\r\n\r\n");
        assertFalse(channel.isOpen());
        assertEquals(List.of(), seen);
    }

    @Test
    void malformedRequestsGet4xxJsonAndClose() {
        pipeline(1024, echo, DIRECT);
        send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\n\r\n");
        String tooLong = responses();
        assertTrue(tooLong.startsWith("HTTP/1.1 414"), tooLong);
        assertTrue(tooLong.contains("\"field\":\"uri\""), tooLong);
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();

        pipeline(1024, echo, DIRECT);
        send("GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: nope\r\n\r\n");
        String bad = responses();
        assertTrue(bad.startsWith("HTTP/1.1 400"), bad);
        assertTrue(bad.contains("malformed HTTP request"), bad);
        assertFalse(channel.isOpen());
        assertEquals(List.of(), seen);
    }

    @Test
    void aFailingRouteIs500AndAShutDownExecutorIs503() {
        pipeline(1024, request -> {
            throw new IllegalStateException("boom");
        }, DIRECT);
        send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
        String failed = responses();
        assertTrue(failed.startsWith("HTTP/1.1 500"), failed);
        assertTrue(failed.contains("internal error"), failed);
        channel.finishAndReleaseAll();

        pipeline(1024, echo, task -> {
            throw new RejectedExecutionException("shut down");
        });
        send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
        String refused = responses();
        assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
        assertFalse(channel.isOpen());
    }
}
