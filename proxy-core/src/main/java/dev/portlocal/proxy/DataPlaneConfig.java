package dev.portlocal.proxy;

import dev.portlocal.model.Cidr;
import dev.portlocal.tcp.relay.RelayConfig;
import dev.portlocal.udp.UdpConfig;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * How the data plane listens and relays.
 *
 * @param listenAddresses the local addresses node ports bind on; a mapping binds those of its own family
 * @param relay           the relay's timeouts and buffer size
 * @param drainTimeout    how long connections of a removed mapping may go on before they are reset
 * @param udp             UDP session expiry and cap
 * @param accessLog       one line per TCP connection when it ends, for ports without an {@code accessLog} of their own
 * @param allowFrom       the client blocks of every port without an {@code allowFrom} of its own; empty: everyone
 * @param maxConnections  TCP connections over every mapping at once; {@link Integer#MAX_VALUE}: no cap
 */
public record DataPlaneConfig(List<InetAddress> listenAddresses, RelayConfig relay, Duration drainTimeout,
                              UdpConfig udp, boolean accessLog, List<Cidr> allowFrom, int maxConnections) {

    public DataPlaneConfig(List<InetAddress> listenAddresses, RelayConfig relay, Duration drainTimeout,
                           UdpConfig udp, boolean accessLog) {
        this(listenAddresses, relay, drainTimeout, udp, accessLog, List.of(), Integer.MAX_VALUE);
    }

    public DataPlaneConfig(List<InetAddress> listenAddresses, RelayConfig relay, Duration drainTimeout) {
        this(listenAddresses, relay, drainTimeout, UdpConfig.DEFAULT);
    }

    public DataPlaneConfig(List<InetAddress> listenAddresses, RelayConfig relay, Duration drainTimeout,
                           UdpConfig udp) {
        this(listenAddresses, relay, drainTimeout, udp, false);
    }

    public DataPlaneConfig {
        listenAddresses = List.copyOf(requireNonNull(listenAddresses, "listenAddresses"));
        requireNonNull(relay, "relay");
        requireNonNull(udp, "udp");
        requireNonNull(drainTimeout, "drainTimeout");
        if (listenAddresses.isEmpty()) {
            throw new IllegalArgumentException("listenAddresses: [] (expected: at least one address)");
        }
        allowFrom = List.copyOf(requireNonNull(allowFrom, "allowFrom"));
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: at least 1)");
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
        }
    }
}
