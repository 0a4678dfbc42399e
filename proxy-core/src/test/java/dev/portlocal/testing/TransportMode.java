package dev.portlocal.testing;

import dev.portlocal.net.IoTransport;

/**
 * The transports a UDP scenario runs on: the data plane's epoll listeners and sessions, and the NIO ones. UDP has
 * no relay modes beyond that (no splice, no half-close), so this is to UDP what {@link RelayMode} is to TCP.
 */
public enum TransportMode {
    EPOLL(IoTransport.EPOLL),
    NIO(IoTransport.NIO);

    private final IoTransport transport;

    TransportMode(IoTransport transport) {
        this.transport = transport;
    }

    public IoTransport transport() {
        return transport;
    }
}
