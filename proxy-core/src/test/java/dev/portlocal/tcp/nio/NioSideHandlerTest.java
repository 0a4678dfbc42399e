package dev.portlocal.tcp.nio;

import dev.portlocal.tcp.relay.ConnectionTracker;
import dev.portlocal.tcp.relay.RelayedConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The NIO relay's handler on {@link EmbeddedChannel}s: bytes go to the peer, and no buffer is ever left unreleased. */
class NioSideHandlerTest {

    private final List<RelayedConnection> closed = new ArrayList<>();
    private final ConnectionTracker tracker = new ConnectionTracker() {
        @Override
        public void opened(RelayedConnection connection) {
        }

        @Override
        public void closed(RelayedConnection connection) {
            closed.add(connection);
        }
    };

    @Test
    void bytesBeforeTheBackendIsUpAreReleased() {
        EmbeddedChannel client = new EmbeddedChannel();
        NioRelay relay = new NioRelay(client, tracker);
        client.pipeline().addLast(new NioSideHandler(relay, true));
        ByteBuf early = Unpooled.copiedBuffer("early", StandardCharsets.US_ASCII);
        client.writeInbound(early);
        assertEquals(0, early.refCnt(), "released, not leaked");
        client.finishAndReleaseAll();
    }

    @Test
    void bytesFromTheClientAreWrittenToTheBackendAndReleasedThere() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel backend = new EmbeddedChannel();
        NioRelay relay = new NioRelay(client, tracker);
        relay.attachBackend(backend);
        client.pipeline().addLast(new NioSideHandler(relay, true));
        backend.pipeline().addLast(new NioSideHandler(relay, false));

        ByteBuf msg = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        client.writeInbound(msg);
        ByteBuf out = backend.readOutbound();
        assertEquals("hello", out.toString(StandardCharsets.US_ASCII));
        out.release();
        assertEquals(0, msg.refCnt());

        ByteBuf reply = Unpooled.copiedBuffer("world", StandardCharsets.US_ASCII);
        backend.writeInbound(reply);
        ByteBuf back = client.readOutbound();
        assertEquals("world", back.toString(StandardCharsets.US_ASCII));
        back.release();

        assertFalse(client.finishAndReleaseAll());
        assertFalse(backend.finishAndReleaseAll());
    }

    @Test
    void anErrorOnOneSideClosesBothAndReportsTheConnectionClosed() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel backend = new EmbeddedChannel();
        NioRelay relay = new NioRelay(client, tracker);
        relay.attachBackend(backend);
        client.pipeline().addLast(new NioSideHandler(relay, true));
        backend.pipeline().addLast(new NioSideHandler(relay, false));
        backend.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        assertFalse(client.isOpen(), "client closed");
        assertFalse(backend.isOpen(), "backend closed");
        assertEquals(List.of(relay), closed);
        client.finishAndReleaseAll();
        backend.finishAndReleaseAll();
    }
}
