package dev.portlocal.testing;

import dev.portlocal.net.IoTransport;
import dev.portlocal.tcp.pipe.SplicePolicy;
import dev.portlocal.tcp.relay.RelayConfig;

/**
 * The ways a scenario runs: straight to the backend (so a failure separates the proxy from the environment), and
 * through each relay the data plane has: the epoll relay with each splice policy, and the NIO relay.
 */
public enum RelayMode {
    DIRECT(null, null),
    EPOLL_COPY(IoTransport.EPOLL, SplicePolicy.NEVER),
    EPOLL_SPLICE(IoTransport.EPOLL, SplicePolicy.ALWAYS),
    EPOLL_AUTO(IoTransport.EPOLL, SplicePolicy.AUTO),
    NIO(IoTransport.NIO, SplicePolicy.NEVER);

    private final IoTransport transport;
    private final SplicePolicy splice;

    RelayMode(IoTransport transport, SplicePolicy splice) {
        this.transport = transport;
        this.splice = splice;
    }

    public boolean proxied() {
        return transport != null;
    }

    public IoTransport transport() {
        return transport;
    }

    /** The relay configuration for this mode, starting from {@code base}. */
    public RelayConfig relay(RelayConfig base) {
        return splice == null ? base : base.withSplicePolicy(splice);
    }
}
