package dev.portlocal.api;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Translates aggregated HTTP requests into {@link ApiRequest}s, hands them to the control executor, and writes the
 * {@link ApiResponse} when it is ready. The request's buffer is copied and released on the event loop; nothing
 * else happens here.
 *
 * <p>Threading: {@link #channelRead0} runs on the API's event loop; {@code routes} runs on {@code control};
 * the response is written from there, which Netty hands back to the event loop. Responses on one connection leave
 * in request order, since the control executor runs one task at a time.
 */
public final class ApiHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(ApiHttpHandler.class);

    private final Function<ApiRequest, ApiResponse> routes;
    private final Executor control;

    public ApiHttpHandler(Function<ApiRequest, ApiResponse> routes, Executor control) {
        this.routes = requireNonNull(routes, "routes");
        this.control = requireNonNull(control, "control");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            write(ctx, badRequest(request.decoderResult().cause()), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ApiRequest apiRequest = new ApiRequest(request.method().name(), request.uri(),
                Optional.ofNullable(request.headers().get(HttpHeaderNames.CONTENT_TYPE)),
                Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION)),
                ByteBufUtil.getBytes(request.content()), isLocal(ctx.channel().remoteAddress()),
                Optional.ofNullable(request.headers().get(HttpHeaderNames.ACCEPT)),
                Optional.ofNullable(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING)),
                ctx.channel() instanceof DomainSocketChannel);
        try {
            CompletableFuture.supplyAsync(() -> routes.apply(apiRequest), control)
                    .whenComplete((response, failure) -> write(ctx, failure == null ? response
                            : ApiRoutes.error(new ApiException(500, ApiError.of("internal error: " + failure))),
                            keepAlive));
        } catch (RejectedExecutionException e) {
            write(ctx, ApiRoutes.error(new ApiException(503, ApiError.of("shutting down"))), false);
        }
    }

    /** Writes {@code response}; closes the connection after it unless {@code keepAlive}. */
    static void write(ChannelHandlerContext ctx, ApiResponse response, boolean keepAlive) {
        ctx.writeAndFlush(toHttp(response, keepAlive))
                .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    static FullHttpResponse toHttp(ApiResponse response, boolean keepAlive) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, ApiResponse.JSON);
        for (Map.Entry<String, String> header : response.headers().entrySet()) {
            http.headers().set(header.getKey(), header.getValue());
        }
        HttpUtil.setContentLength(http, response.body().length);
        HttpUtil.setKeepAlive(http, keepAlive);
        return http;
    }

    private static ApiResponse badRequest(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return ApiRoutes.error(new ApiException(414, ApiError.of("request line too long (expected: at most "
                    + ApiServer.MAX_INITIAL_LINE + " bytes)", "uri", (String) null)));
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return ApiRoutes.error(new ApiException(431, ApiError.of("headers too large (expected: at most "
                    + ApiServer.MAX_HEADER_SIZE + " bytes)", "headers", (String) null)));
        }
        return ApiRoutes.error(new ApiException(400, ApiError.of("malformed HTTP request: " + cause.getMessage(),
                "request", (String) null)));
    }

    /** True for a peer on this host: a loopback address or a unix socket. */
    static boolean isLocal(SocketAddress remote) {
        if (remote instanceof DomainSocketAddress) {
            return true;
        }
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                && inet.getAddress().isLoopbackAddress();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.atDebug().setMessage("api_connection_closed")
                .addKeyValue("remote", ctx.channel().remoteAddress())
                .addKeyValue("error", cause.toString())
                .log();
        ctx.close();
    }
}
