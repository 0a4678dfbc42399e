package dev.portlocal.testing;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.Mapping;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.Protocol;
import dev.portlocal.net.EventLoops;
import dev.portlocal.proxy.DataPlane;
import dev.portlocal.proxy.DataPlaneConfig;
import dev.portlocal.tcp.relay.RelayConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The data plane in this JVM, with one mapping from a free loopback node port to a backend. In {@link
 * RelayMode#DIRECT} there is no proxy and {@link #address()} is the backend itself.
 */
public final class ProxyUnderTest implements AutoCloseable {

    private final EventLoops loops;
    private final DataPlane dataPlane;
    private final Mapping mapping;
    private final InetSocketAddress address;

    private ProxyUnderTest(RelayMode mode, InetSocketAddress backend, RelayConfig relay, Duration drain) {
        if (!mode.proxied()) {
            loops = null;
            dataPlane = null;
            mapping = null;
            address = backend;
            return;
        }
        InetAddress listen = backend.getAddress();
        loops = new EventLoops(mode.transport(), 2);
        dataPlane = new DataPlane(loops, new DataPlaneConfig(List.of(listen), mode.relay(relay), drain));
        MappingKey key = new MappingKey("test/backend", backend.getPort(), Protocol.TCP,
                IpFamily.of(backend.getAddress()));
        Mapping m = null;
        for (int attempt = 0; attempt < 20 && m == null; attempt++) {
            Mapping candidate = new Mapping(key, backend, FreePorts.next());
            BindOutcome outcome = dataPlane.open(candidate);
            if (outcome.isBound()) {
                m = candidate;
            } else if (outcome.status() != BindOutcome.Status.IN_USE) {
                close();
                throw new AssertionError("open failed: " + outcome);
            }
        }
        if (m == null) {
            close();
            throw new AssertionError("no free node port after 20 attempts");
        }
        mapping = m;
        address = new InetSocketAddress(listen, m.nodePort());
    }

    public static ProxyUnderTest start(RelayMode mode, InetSocketAddress backend) {
        return new ProxyUnderTest(mode, backend, RelayConfig.DEFAULT, Duration.ofSeconds(30));
    }

    public static ProxyUnderTest start(RelayMode mode, InetSocketAddress backend, RelayConfig relay,
                                       Duration drain) {
        return new ProxyUnderTest(mode, backend, relay, drain);
    }

    public InetSocketAddress address() {
        return address;
    }

    public Mapping mapping() {
        return mapping;
    }

    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** Connections the proxy relays now; 0 in direct mode. */
    public int activeConnections() {
        return dataPlane == null ? 0 : dataPlane.activeConnections();
    }

    @Override
    public void close() {
        if (dataPlane != null) {
            dataPlane.close();
        }
        if (loops != null) {
            loops.close();
        }
    }
}
