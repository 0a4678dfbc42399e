package dev.portlocal.kubernetes;

import dev.portlocal.api.NodeIps;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.IpFamily;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeAddressesTest {

    @Test
    void externalIpIsPreferredPerFamily() {
        NodeIps ips = NodeAddresses.nodeIps(node("n",
                address("Hostname", "node-a"),
                address("InternalIP", "192.0.2.10"),
                address("InternalIP", "2001:db8::10"),
                address("ExternalIP", "198.51.100.7"),
                address("ExternalIP", "198.51.100.8")));

        assertEquals(Addresses.parseIp("ip", "198.51.100.7"), ips.get(IpFamily.IPv4).orElseThrow().ip());
        assertEquals(Addresses.parseIp("ip", "2001:db8::10"), ips.get(IpFamily.IPv6).orElseThrow().ip());
        assertEquals("node ExternalIP", ips.get(IpFamily.IPv4).orElseThrow().source());
    }

    @Test
    void aNodeWithoutIpAddressesHasNoNodeIp() {
        assertTrue(NodeAddresses.nodeIps(node("n", address("Hostname", "node-a"),
                address("InternalIP", "not-an-ip"))).all().isEmpty());
        assertTrue(NodeAddresses.nodeIps(null).all().isEmpty());
        assertEquals(Optional.empty(), NodeAddresses.nodeIps(node("n")).get(IpFamily.IPv4));
    }
}
