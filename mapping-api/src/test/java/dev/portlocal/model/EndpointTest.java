package dev.portlocal.model;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointTest {

    @Test
    void endpointPortValidatesPorts() {
        assertEquals("port: 70000 (expected: 1-65535)", assertThrows(IllegalArgumentException.class,
                () -> new EndpointPort(70000, Protocol.TCP)).getMessage());
        assertEquals("nodePort: 0 (expected: 1-65535)", assertThrows(IllegalArgumentException.class,
                () -> EndpointPort.pinned(80, Protocol.TCP, 0)).getMessage());
        assertEquals("protocol", assertThrows(NullPointerException.class,
                () -> new EndpointPort(80, null)).getMessage());
        assertEquals(OptionalInt.of(61005), EndpointPort.pinned(80, Protocol.UDP, 61005).nodePort());
    }

    @Test
    void endpointKeysTargetsAndFamily() {
        Endpoint endpoint = new Endpoint("shop/web", Addresses.parseIp("ip", "fd00::1"),
                List.of(new EndpointPort(80, Protocol.TCP), new EndpointPort(80, Protocol.UDP)));

        assertEquals(List.of(Addresses.parseIp("ip", "fd00::1")), endpoint.ips());
        assertEquals(List.of(new MappingKey("shop/web", 80, Protocol.TCP, IpFamily.IPv6),
                new MappingKey("shop/web", 80, Protocol.UDP, IpFamily.IPv6)), endpoint.keys());
        assertEquals(new InetSocketAddress(endpoint.ip(), 80),
                endpoint.target(endpoint.ports().get(0), endpoint.ip()));
    }

    @Test
    void aDualStackEndpointHasOneKeyPerPortAndFamily() {
        Endpoint endpoint = new Endpoint("shop/web",
                List.of(Addresses.parseIp("ip", "10.0.0.1"), Addresses.parseIp("ip", "fd00::1")),
                List.of(new EndpointPort(80, Protocol.TCP)));
        assertTrue(endpoint.dualStack());
        assertEquals(List.of(new MappingKey("shop/web", 80, Protocol.TCP, IpFamily.IPv4),
                new MappingKey("shop/web", 80, Protocol.TCP, IpFamily.IPv6)), endpoint.keys());
        assertEquals(new InetSocketAddress(Addresses.parseIp("ip", "fd00::1"), 80),
                endpoint.target(endpoint.ports().get(0), endpoint.ips().get(1)));
    }

    @Test
    void twoAddressesOfOneFamilyAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Endpoint("web",
                List.of(Addresses.parseIp("ip", "10.0.0.1"), Addresses.parseIp("ip", "10.0.0.2")),
                List.of(new EndpointPort(80, Protocol.TCP))));
        assertEquals("ips[1]: 10.0.0.2 (expected: one address of each family, IPv4 already given as 10.0.0.1)",
                e.getMessage());
    }

    @Test
    void endpointCopiesPortsDefensively() {
        List<EndpointPort> ports = new ArrayList<>(List.of(new EndpointPort(80, Protocol.TCP)));
        Endpoint endpoint = new Endpoint("web", Addresses.parseIp("ip", "10.0.0.1"), ports);
        ports.add(new EndpointPort(81, Protocol.TCP));

        assertEquals(1, endpoint.ports().size());
        assertThrows(UnsupportedOperationException.class,
                () -> endpoint.ports().add(new EndpointPort(82, Protocol.TCP)));
    }

    @Test
    void endpointRejectsBadNamesEmptyAndDuplicatePorts() {
        var ip = Addresses.parseIp("ip", "10.0.0.1");
        var port = List.of(new EndpointPort(80, Protocol.TCP));

        assertEquals("name: a/b/c (expected: " + Endpoint.NAME_EXPECTED + ")",
                assertThrows(IllegalArgumentException.class, () -> new Endpoint("a/b/c", ip, port)).getMessage());
        assertEquals("ports: [] (expected: at least one port)",
                assertThrows(IllegalArgumentException.class, () -> new Endpoint("web", ip, List.of())).getMessage());
        assertEquals("ports[1]: 80/tcp (expected: each port and protocol once, already listed at ports[0])",
                assertThrows(IllegalArgumentException.class, () -> new Endpoint("web", ip,
                        List.of(new EndpointPort(80, Protocol.TCP), EndpointPort.pinned(80, Protocol.TCP, 61000))))
                        .getMessage());
        FieldException pin = assertThrows(FieldException.class, () -> new Endpoint("web", ip, List.of(
                EndpointPort.pinned(80, Protocol.TCP, 61000), EndpointPort.pinned(81, Protocol.UDP, 61000),
                EndpointPort.pinned(82, Protocol.TCP, 61000))));
        assertEquals("ports[2].nodePort", pin.field(), "the same pin for another protocol is fine");
        assertEquals("61000 (expected: unique per protocol, already pinned by ports[0])", pin.detail());
    }

    @Test
    void wireNames() {
        assertEquals("file", Source.FILE.wireName());
        assertEquals("api", Source.API.toString());
        assertEquals(Source.API, Source.parse("API"));
        assertEquals("source: http (expected: file, api or kubernetes)",
                assertThrows(IllegalArgumentException.class, () -> Source.parse("http")).getMessage());
        assertEquals("listening", MappingState.LISTENING.wireName());
        assertEquals("conflict", MappingState.CONFLICT.toString());
        assertEquals("error", MappingState.ERROR.wireName());
    }

    @Test
    void listeningStatusNeedsANodePort() {
        MappingKey key = new MappingKey("web", 80, Protocol.TCP, IpFamily.IPv4);
        InetSocketAddress target = new InetSocketAddress(Addresses.parseIp("ip", "10.0.0.1"), 80);
        assertThrows(IllegalArgumentException.class, () -> new MappingStatus(key, Source.FILE, target,
                OptionalInt.empty(), MappingState.LISTENING, ""));
        assertEquals(OptionalInt.empty(), new MappingStatus(key, Source.FILE, target, OptionalInt.empty(),
                MappingState.ERROR, "no free port in 61000-62000").nodePort());
    }
}
