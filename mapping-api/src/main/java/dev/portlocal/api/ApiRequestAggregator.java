package dev.portlocal.api;

import java.util.List;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;

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
        ApiResponse response = ApiRoutes.error(new ApiException(413, ApiError.of("body: more than "
                + maxContentLength() + " bytes (expected: at most " + maxContentLength() + ")", "body",
                (String) null)));
        closeAfterBody = true;
        ctx.writeAndFlush(ApiHttpHandler.toHttp(response, false));
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
