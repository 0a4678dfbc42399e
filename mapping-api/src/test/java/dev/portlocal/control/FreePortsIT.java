package dev.portlocal.control;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code portlocal_ports_free} and {@code /v1/info} count ports that other processes hold as taken, from the
 * kernel's socket tables. Each test binds a real loopback socket on a port the kernel chose and makes that port the
 * whole range, so nothing else on the host can change the count.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FreePortsIT {

    @TempDir
    Path stateDir;

    private MappingService service(PortRange range) {
        return new MappingService(range, new FakePortOpener(), new StateStore(stateDir));
    }

    @Test
    void aTcpPortAnotherProcessListensOnIsNotFree() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = other.getLocalPort();
            try (MappingService service = service(new PortRange(port, port))) {
                assertEquals(0, service.freePorts(Protocol.TCP, IpFamily.IPv4), "127.0.0.1:" + port + " is bound");
                assertEquals(1, service.freePorts(Protocol.TCP, IpFamily.IPv6), "IPv6 is another port space");
            }
        }
    }

    @Test
    void aUdpPortAnotherProcessHoldsIsNotFree() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = other.getLocalPort();
            try (MappingService service = service(new PortRange(port, port))) {
                assertEquals(0, service.freePorts(Protocol.UDP, IpFamily.IPv4), "udp 127.0.0.1:" + port + " is bound");
            }
        }
    }

    @Test
    void aPortThisServiceHoldsIsCountedOnce() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = other.getLocalPort();
            // The range's two ports: the bound one, held by a mapping as well (the fake opener binds nothing),
            // and the next, free unless the kernel holds it too.
            int next = port == 65535 ? port - 1 : port + 1;
            PortRange range = new PortRange(Math.min(port, next), Math.max(port, next));
            try (MappingService service = service(range)) {
                int before = service.freePorts(Protocol.TCP, IpFamily.IPv4);
                assertTrue(before <= 1, "the bound port is not free: " + before);
                service.apply(Source.FILE, List.of(new Endpoint("web", Addresses.parseIp("ip", "10.0.0.1"),
                        List.of(EndpointPort.pinned(80, Protocol.TCP, port)))));
                assertEquals(before, service.freePorts(Protocol.TCP, IpFamily.IPv4),
                        "held by a mapping and bound in the kernel: taken once, not twice");
            }
        }
    }
}
