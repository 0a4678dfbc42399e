package dev.portlocal.api;

import dev.portlocal.model.Durations;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The deadline for a whole request: a connection has {@code timeout} to send each request's headers and body,
 * counted from the connect, or from the response to its previous request. A byte does not restart it, so a client
 * that sends one byte every few seconds (slowloris) is closed at the deadline with a 408, and counted. While a
 * request is being answered there is no deadline; an idle connection after a response is closed at the deadline
 * without a 408.
 *
 * <p>{@link #bytes()} goes before the HTTP codec (it sees that a request has begun); this handler goes between the
 * codec and the aggregator, where it sees the end of each request and each response.
 *
 * <p>Threading: one instance per connection, on its event loop.
 */
final class RequestDeadline extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);

    static final long LINGER_MILLIS = 2000;

    private final long timeoutNanos;
    private final String timeoutText;
    private final ApiCounters counters;
    private ScheduledFuture<?> timer;
    /** Requests read whose response has not gone out. */
    private int outstanding;
    private long responses;
    private boolean bytesSinceArmed;

    RequestDeadline(Duration timeout, ApiCounters counters) {
        this.timeoutNanos = timeout.toNanos();
        this.timeoutText = Durations.format(timeout);
        this.counters = counters;
    }

    /** The part before the codec: notes that bytes came since the deadline was armed. */
    ChannelInboundHandlerAdapter bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf && buf.isReadable()) {
                    bytesSinceArmed = true;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent) {
            outstanding++;
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().code() >= 200 && outstanding > 0) {
            outstanding--;
            responses++;
            if (outstanding == 0) {
                arm(ctx);
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void arm(ChannelHandlerContext ctx) {
        cancel();
        bytesSinceArmed = false;
        timer = ctx.executor().schedule(() -> expired(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired(ChannelHandlerContext ctx) {
        timer = null;
        if (!ctx.channel().isActive() || outstanding > 0) {
            return;
        }
        if (!bytesSinceArmed && responses > 0) {
            ctx.close(); // idle between requests: nothing to answer
            return;
        }
        counters.timedOutOne();
        log.atDebug().setMessage("api_request_timeout")
                .addKeyValue("remote", ctx.channel().remoteAddress())
                .addKeyValue("timeout", timeoutText)
                .log();
        ApiResponse timeout = ApiRoutes.error(new ApiException(408, ApiError.of("request timeout: no whole request "
                + "within " + timeoutText + " (expected: the headers and the body within " + timeoutText
                + " of the connect or of the last response)", "request", (String) null)));
        ctx.writeAndFlush(ApiHttpHandler.toHttp(timeout, false)).addListener(f -> lingerClose(ctx));
    }

    /**
     * Closes after the 408: half-closes first and discards what the client still sends for up to
     * {@link #LINGER_MILLIS}, so its unread bytes do not make the kernel answer with a reset that would discard the
     * 408 before the client reads it.
     */
    private static void lingerClose(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (!(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            ch.close();
            return;
        }
        ch.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext discard, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        });
        duplex.shutdownOutput();
        ch.eventLoop().schedule(() -> {
            ch.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }
}
