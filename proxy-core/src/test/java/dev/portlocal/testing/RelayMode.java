package dev.portlocal.testing;

import dev.portlocal.proxy.Transport;

/**
 * The ways a scenario runs: straight to the backend (so a failure separates the proxy from the environment), and
 * through each relay the data plane has.
 */
public enum RelayMode {
    DIRECT(null),
    EPOLL_COPY(Transport.EPOLL),
    NIO(Transport.NIO);

    private final Transport transport;

    RelayMode(Transport transport) {
        this.transport = transport;
    }

    public boolean proxied() {
        return transport != null;
    }

    public Transport transport() {
        return transport;
    }
}
