package dev.portlocal.api;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.IpFamily;
import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeIpsTest {

    private static InetAddress ip(String text) {
        return Addresses.parseIp("ip", text);
    }

    private static NodeIps.HostAddress on(String nif, String text) {
        return new NodeIps.HostAddress(nif, ip(text));
    }

    @Test
    void theFirstGlobalAddressOfEachFamilyIsChosen() {
        NodeIps ips = NodeIps.resolve(List.of(), List.of(
                on("lo", "127.0.0.1"), on("lo", "::1"),
                on("eth0", "fe80::1"), on("eth0", "169.254.1.1"),
                on("eth0", "10.10.10.10"), on("eth0", "fd12:3456:789a:1::1"),
                on("eth1", "192.168.1.5"), on("eth1", "2001:db8::5")));
        assertEquals(ip("10.10.10.10"), ips.forFamily(IpFamily.IPv4).orElseThrow());
        assertEquals(ip("fd12:3456:789a:1::1"), ips.forFamily(IpFamily.IPv6).orElseThrow());
        assertEquals("detected on eth0", ips.get(IpFamily.IPv4).orElseThrow().source());
    }

    @Test
    void aDetectedAddressLosesItsInterfaceZone() throws Exception {
        InetAddress zoned = Inet6Address.getByAddress(null, ip("fd00::2").getAddress(), 2);
        NodeIps ips = NodeIps.resolve(List.of(), List.of(new NodeIps.HostAddress("eth0", zoned)));
        assertEquals("fd00::2", Addresses.format(ips.forFamily(IpFamily.IPv6).orElseThrow()));
        assertEquals(0, ((Inet6Address) ips.forFamily(IpFamily.IPv6).orElseThrow()).getScopeId());
    }

    @Test
    void aConfiguredAddressWinsForItsFamilyOnly() {
        NodeIps ips = NodeIps.resolve(List.of(ip("203.0.113.7")), List.of(on("eth0", "10.0.0.1"),
                on("eth0", "2001:db8::1")));
        assertEquals(ip("203.0.113.7"), ips.forFamily(IpFamily.IPv4).orElseThrow());
        assertEquals("flag", ips.get(IpFamily.IPv4).orElseThrow().source());
        assertEquals(ip("2001:db8::1"), ips.forFamily(IpFamily.IPv6).orElseThrow());
        assertThrows(IllegalArgumentException.class,
                () -> NodeIps.resolve(List.of(ip("10.0.0.1"), ip("10.0.0.2")), List.of()));
    }

    @Test
    void aMissingFamilyHasNoNodeIp() {
        NodeIps v4Only = NodeIps.resolve(List.of(), List.of(on("eth0", "10.0.0.1")));
        assertEquals(Optional.empty(), v4Only.forFamily(IpFamily.IPv6), "not the other family's address");
        assertTrue(v4Only.get(IpFamily.IPv6).isEmpty());
        NodeIps none = NodeIps.resolve(List.of(), List.of(on("lo", "127.0.0.1")));
        assertEquals(Optional.empty(), none.forFamily(IpFamily.IPv4), "not loopback");
        assertEquals(List.of(), none.all());
    }
}
