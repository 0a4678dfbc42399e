package dev.portlocal.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;

/**
 * Netty's aggregator, answering a body above the limit with the API's JSON 413 and closing the connection. The
 * 413 goes out as soon as the limit is exceeded (at once for a {@code Content-Length} too large); the rest of the
 * body is then read and discarded, and the connection closes after its last part, so a client that writes its
 * whole request before reading gets the 413 instead of a reset. The read timeout bounds an endless body.
 *
 * <p>Threading: one instance per connection, on its event loop.
 */
final class ApiRequestAggregator extends HttpObjectAggregator {

    private boolean closeAfterBody;

    ApiRequestAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        closeAfterBody = true;
        ctx.writeAndFlush(ApiHttpHandler.toHttp(tooLarge(), false));
    }

    /**
     * Netty answers {@code Expect: 100-continue} itself, with an empty 413 (or 417) when it refuses; the API answers
     * with its JSON error instead. The body was never sent, so the connection stays open.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof FullHttpResponse refusal && refusal.status().code() >= 400) {
            int status = refusal.status().code();
            refusal.release();
            String expect = start.headers().get(HttpHeaderNames.EXPECT);
            ApiResponse json = status == 413 ? tooLarge() : ApiRoutes.error(new ApiException(status, ApiError.of(
                    "Expect: " + expect + " (expected: 100-continue)", "Expect", expect)));
            return ApiHttpHandler.toHttp(json, true);
        }
        return response;
    }

    private ApiResponse tooLarge() {
        return ApiRoutes.error(new ApiException(413, ApiError.of("body: more than " + maxContentLength()
                + " bytes (expected: at most " + maxContentLength() + ")", "body", (String) null)));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
        boolean last = msg instanceof LastHttpContent;
        super.decode(ctx, msg, out);
        if (closeAfterBody && last) {
            ctx.close();
        }
    }
}
