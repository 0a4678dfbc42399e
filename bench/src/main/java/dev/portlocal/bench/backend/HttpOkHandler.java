package dev.portlocal.bench.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;

/**
 * Answers every HTTP/1.1 request head with {@code 200 ok}, keeping the connection open unless the request asked for
 * {@code Connection: close}. Responses are flushed once per read batch. Not sharable: it owns a scanner.
 */
final class HttpOkHandler extends ChannelInboundHandlerAdapter {

    static final ByteBuf KEEP_ALIVE_RESPONSE = response(false);
    static final ByteBuf CLOSE_RESPONSE = response(true);

    private final RequestScanner scanner = new RequestScanner();
    private boolean pendingFlush;
    private boolean closing;

    private static ByteBuf response(boolean close) {
        String text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\nok";
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)).asReadOnly();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            int end = in.writerIndex();
            for (int i = in.readerIndex(); i < end && !closing; i++) {
                if (scanner.feed(in.getByte(i))) {
                    if (scanner.closeRequested()) {
                        closing = true;
                        ctx.writeAndFlush(CLOSE_RESPONSE.duplicate()).addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ctx.write(KEEP_ALIVE_RESPONSE.duplicate(), ctx.voidPromise());
                        pendingFlush = true;
                    }
                }
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pendingFlush) {
            pendingFlush = false;
            ctx.flush();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
