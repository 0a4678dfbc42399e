package dev.portlocal.net;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Mapping;
import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The two log lines every protocol plane writes for a node port, with the same keys for TCP and UDP:
 * {@code listener_bound} and {@code listener_closed}, at info, on the plane's own logger.
 *
 * <p>Threading: stateless.
 */
public final class ListenerLog {

    private ListenerLog() {
    }

    public static void bound(Logger log, Mapping mapping, int listeners) {
        log.atInfo().setMessage("listener_bound")
                .addKeyValue("endpoint", mapping.key().endpoint())
                .addKeyValue("port", mapping.key().port())
                .addKeyValue("protocol", mapping.protocol())
                .addKeyValue("target", Addresses.format(mapping.target()))
                .addKeyValue("nodePort", mapping.nodePort())
                .addKeyValue("listeners", listeners)
                .log();
    }

    /** {@code draining}: the connections left to drain, or a negative number for a protocol that has none. */
    public static void closed(Logger log, Mapping mapping, int nodePort, int draining) {
        LoggingEventBuilder b = log.atInfo().setMessage("listener_closed")
                .addKeyValue("endpoint", mapping.key().endpoint())
                .addKeyValue("port", mapping.key().port())
                .addKeyValue("protocol", mapping.protocol())
                .addKeyValue("nodePort", nodePort);
        if (draining >= 0) {
            b = b.addKeyValue("draining", draining);
        }
        b.log();
    }
}
