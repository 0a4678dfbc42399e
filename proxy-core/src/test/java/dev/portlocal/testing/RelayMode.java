package dev.portlocal.testing;

import dev.portlocal.proxy.Transport;
import dev.portlocal.relay.RelayConfig;
import dev.portlocal.relay.SplicePolicy;

/**
 * The ways a scenario runs: straight to the backend (so a failure separates the proxy from the environment), and
 * through each relay the data plane has: the epoll relay with each splice policy, and the NIO relay.
 */
public enum RelayMode {
    DIRECT(null, null),
    EPOLL_COPY(Transport.EPOLL, SplicePolicy.NEVER),
    EPOLL_SPLICE(Transport.EPOLL, SplicePolicy.ALWAYS),
    EPOLL_AUTO(Transport.EPOLL, SplicePolicy.AUTO),
    NIO(Transport.NIO, SplicePolicy.NEVER);

    private final Transport transport;
    private final SplicePolicy splice;

    RelayMode(Transport transport, SplicePolicy splice) {
        this.transport = transport;
        this.splice = splice;
    }

    public boolean proxied() {
        return transport != null;
    }

    public Transport transport() {
        return transport;
    }

    /** The relay configuration for this mode, starting from {@code base}. */
    public RelayConfig relay(RelayConfig base) {
        return splice == null ? base : base.withSplicePolicy(splice);
    }
}
