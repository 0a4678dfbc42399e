package dev.portlocal.api;

import java.util.List;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Netty's aggregator, answering a body above the limit with the API's JSON 413 and closing the connection. When
 * the limit is exceeded before the body has arrived (a {@code Content-Length} too large, or a long chunked body),
 * the rest of the body is read and discarded first and the connection closes after it, so a client that writes
 * its whole request before reading still gets the 413 instead of a reset.
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
        ApiResponse response = ApiRoutes.error(new ApiException(413, ApiError.of("body: more than "
                + maxContentLength() + " bytes (expected: at most " + maxContentLength() + ")", "body",
                (String) null)));
        if (oversized instanceof FullHttpMessage) {
            ApiHttpHandler.write(ctx, response, false);
        } else {
            closeAfterBody = true;
            ctx.writeAndFlush(ApiHttpHandler.toHttp(response, false));
        }
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
