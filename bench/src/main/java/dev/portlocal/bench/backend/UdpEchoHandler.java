package dev.portlocal.bench.backend;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

/**
 * Sends every datagram back to its sender, unchanged. Replies are flushed once per read burst, so a batched read
 * (recvmmsg) is answered with one batched write (sendmmsg). Not sharable: one per datagram channel.
 */
final class UdpEchoHandler extends ChannelInboundHandlerAdapter {

    private boolean pendingFlush;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet) {
            // The content is a slice of the batch's buffer; the reply takes over this packet's reference.
            ctx.write(new DatagramPacket(packet.content(), packet.sender()), ctx.voidPromise());
            pendingFlush = true;
        } else {
            ReferenceCountUtil.release(msg);
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
        // An unconnected socket: a failed send (e.g. ENOBUFS, or ICMP from a client that left) does not end it.
    }
}
