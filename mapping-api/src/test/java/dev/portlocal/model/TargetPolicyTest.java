package dev.portlocal.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetPolicyTest {

    private static InetAddress ip(String text) {
        return Addresses.parseIp("ip", text);
    }

    private static String refusal(TargetPolicy policy, String ip) {
        return assertThrows(FieldException.class, () -> policy.checkIp("ip", ip(ip))).getMessage();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.0.0.0|ip: 0.0.0.0 (expected: not unspecified (0.0.0.0/8, ::): no host answers there)",
        "0.1.2.3|ip: 0.1.2.3 (expected: not unspecified (0.0.0.0/8, ::): no host answers there)",
        "::|ip: :: (expected: not unspecified (0.0.0.0/8, ::): no host answers there)",
        "224.0.0.1|ip: 224.0.0.1 (expected: a unicast address, not multicast (224.0.0.0/4))",
        "239.255.255.250|ip: 239.255.255.250 (expected: a unicast address, not multicast (224.0.0.0/4))",
        "ff02::1|ip: ff02::1 (expected: a unicast address, not multicast (ff00::/8))",
        "255.255.255.255|ip: 255.255.255.255 (expected: a unicast address, not the broadcast address)",
        "169.254.169.254|ip: 169.254.169.254 (expected: not link-local (169.254.0.0/16, which holds the cloud "
                + "metadata service 169.254.169.254))",
        "169.254.0.1|ip: 169.254.0.1 (expected: not link-local (169.254.0.0/16, which holds the cloud metadata "
                + "service 169.254.169.254))",
        "fe80::1|ip: fe80::1 (expected: not link-local (fe80::/10))",
        "febf::1|ip: febf::1 (expected: not link-local (fe80::/10))",
        "::ffff:169.254.169.254|ip: 169.254.169.254 (expected: not link-local (169.254.0.0/16, which holds the "
                + "cloud metadata service 169.254.169.254))",
        "::ffff:0.0.0.0|ip: 0.0.0.0 (expected: not unspecified (0.0.0.0/8, ::): no host answers there)",
    })
    void refusesAddressesNoMappingShouldReachWhateverTheConfiguration(String ip, String message) {
        assertEquals(message, refusal(TargetPolicy.DEFAULT, ip));
        TargetPolicy open = TargetPolicy.builder().allowedTargets(List.of(Cidr.parse("t", "0.0.0.0/0"),
                Cidr.parse("t", "::/0"))).build();
        assertEquals(message, refusal(open, ip), "an allow list of everything does not open them");
    }

    @ParameterizedTest
    @CsvSource({"10.244.1.23", "192.0.2.1", "127.0.0.1", "::1", "fd00::17", "2001:db8::1", "169.253.255.255",
        "169.255.0.0", "fec0::1", "255.255.255.254", "1.0.0.0"})
    void acceptsUnicastTargetsByDefault(String ip) {
        assertEquals(TargetPolicy.normalize(ip(ip)), TargetPolicy.DEFAULT.checkIp("ip", ip(ip)));
    }

    @Test
    void anIpv4MappedAddressIsJudgedAndReturnedAsIpv4() throws UnknownHostException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 169;
        mapped[13] = (byte) 254;
        mapped[14] = (byte) 169;
        mapped[15] = (byte) 254;
        // The JDK turns a mapped literal into IPv4 already; an Inet6Address built by hand keeps it IPv6.
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(IpFamily.IPv6, IpFamily.of(v6));
        assertEquals(ip("169.254.169.254"), TargetPolicy.normalize(v6));
        assertTrue(assertThrows(FieldException.class, () -> TargetPolicy.DEFAULT.checkIp("ip", v6)).getMessage()
                .startsWith("ip: 169.254.169.254 (expected: not link-local"));
        mapped[12] = 10;
        InetAddress ok = Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(ip("10.254.169.254"), TargetPolicy.DEFAULT.checkIp("ip", ok));
    }

    @Test
    void loopbackCanBeRefused() {
        TargetPolicy noLoopback = TargetPolicy.builder().allowLoopback(false).build();
        assertEquals("ip: 127.0.0.1 (expected: not loopback (allowLoopbackTargets is false))",
                refusal(noLoopback, "127.0.0.1"));
        assertEquals("ip: ::1 (expected: not loopback (allowLoopbackTargets is false))", refusal(noLoopback, "::1"));
        assertEquals(ip("10.0.0.1"), noLoopback.checkIp("ip", ip("10.0.0.1")));
    }

    @Test
    void anAllowListNarrowsTargetsToItsBlocks() {
        TargetPolicy policy = TargetPolicy.builder().allowedTargets(List.of(Cidr.parse("t", "10.244.0.0/16"),
                Cidr.parse("t", "fd00::/8"))).build();
        assertEquals(ip("10.244.255.1"), policy.checkIp("ip", ip("10.244.255.1")));
        assertEquals(ip("fd12::1"), policy.checkIp("ip", ip("fd12::1")));
        assertEquals("ip: 10.245.0.1 (expected: inside allowedTargets: 10.244.0.0/16, fd00::/8)",
                refusal(policy, "10.245.0.1"));
        assertEquals("ip: 127.0.0.1 (expected: inside allowedTargets: 10.244.0.0/16, fd00::/8)",
                refusal(policy, "127.0.0.1"));
        assertEquals("ip: 2001:db8::1 (expected: inside allowedTargets: 10.244.0.0/16, fd00::/8)",
                refusal(policy, "2001:db8::1"));
    }

    @Test
    void theDaemonsOwnApiAndNodePortsAreRefusedOnItsOwnAddresses() {
        TargetPolicy policy = TargetPolicy.builder()
                .hostAddresses(List.of(ip("192.0.2.10"), ip("fd00::10")))
                .nodePorts(new PortRange(61000, 62000), List.of(ip("0.0.0.0")))
                .api(ip("127.0.0.1"), 9180)
                .build();
        FieldException api = assertThrows(FieldException.class,
                () -> policy.checkPort("ports[0].port", ip("127.0.0.1"), 9180));
        assertEquals("ports[0].port: 9180 (expected: not this daemon's own API, which listens on 127.0.0.1:9180)",
                api.getMessage());
        policy.checkPort("ports[0].port", ip("127.0.0.2"), 9180); // the API bound 127.0.0.1 alone
        policy.checkPort("ports[0].port", ip("10.0.0.1"), 9180);
        for (String own : List.of("127.0.0.1", "127.9.9.9", "192.0.2.10")) {
            FieldException loop = assertThrows(FieldException.class,
                    () -> policy.checkPort("ports[1].port", ip(own), 61005), own);
            assertEquals("ports[1].port: 61005 (expected: not a node port of this daemon (61000-62000) on its own "
                    + "address " + own + ": the mapping would loop through itself)", loop.getMessage());
        }
        policy.checkPort("p", ip("10.0.0.1"), 61005); // another host's port 61005
        policy.checkPort("p", ip("::1"), 61005); // node ports listen on IPv4 alone here
        policy.checkPort("p", ip("fd00::10"), 61005);
        policy.checkPort("p", ip("127.0.0.1"), 60999);
    }

    @Test
    void aPortZeroApiIsJudgedOnceTheDaemonSaysWhereItListens() {
        TargetPolicy policy = TargetPolicy.builder().api(ip("::1"), 0).build();
        policy.checkPort("p", ip("::1"), 40001);
        policy.apiListening(40001);
        assertThrows(FieldException.class, () -> policy.checkPort("p", ip("::1"), 40001));
    }

    @Test
    void anEndpointIsJudgedAtTheFieldAtFault() {
        TargetPolicy policy = TargetPolicy.builder().nodePorts(new PortRange(61000, 61010),
                List.of(ip("127.0.0.1"))).build();
        Endpoint dual = new Endpoint("web", List.of(ip("10.0.0.1"), ip("fe80::1")),
                List.of(new EndpointPort(80, Protocol.TCP)));
        assertEquals("ips[1]", assertThrows(FieldException.class, () -> policy.check(dual, "ips")).field());
        Endpoint loop = new Endpoint("web", ip("127.0.0.1"), List.of(new EndpointPort(80, Protocol.TCP),
                new EndpointPort(61003, Protocol.TCP)));
        assertEquals("ports[1].port", assertThrows(FieldException.class, () -> policy.check(loop, "ip")).field());
        assertEquals(Optional.of("ports[1].port: 61003 (expected: not a node port of this daemon (61000-61010) on "
                + "its own address 127.0.0.1: the mapping would loop through itself)"), policy.refusal(loop));
        assertEquals(Optional.empty(), policy.refusal(new Endpoint("ok", ip("127.0.0.1"),
                List.of(new EndpointPort(61011, Protocol.TCP)))));
    }

    @Test
    void cidrsParseStrictlyAndContainWhatTheyShould() {
        assertTrue(Cidr.parse("t", "10.0.0.0/8").contains(ip("10.255.255.255")));
        assertFalse(Cidr.parse("t", "10.0.0.0/8").contains(ip("11.0.0.0")));
        assertFalse(Cidr.parse("t", "10.0.0.0/8").contains(ip("fd00::1")));
        assertTrue(Cidr.parse("t", "10.1.2.3").contains(ip("10.1.2.3")));
        assertEquals("fd00::/8", Cidr.parse("t", "FD00::/8").toString());
        assertEquals("allowedTargets[0]: 10.1.0.0/8 (expected: an address block such as 10.244.0.0/16 or fd00::/8, "
                + "no bits set past the prefix length)",
                assertThrows(FieldException.class, () -> Cidr.parse("allowedTargets[0]", "10.1.0.0/8")).getMessage());
        for (String bad : List.of("10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "host/8", "::/129", "",
                "::ffff:10.0.0.0/104")) {
            assertThrows(FieldException.class, () -> Cidr.parse("t", bad), bad);
        }
    }

    /** Seeded random addresses (a bounded loop): every one in a refused block is refused, IPv4 or mapped alike. */
    @Test
    void randomAddressesInRefusedBlocksAreRefusedAndTheirMappedFormsAlike() throws UnknownHostException {
        Random random = new Random(16);
        List<Cidr> refused = List.of(Cidr.parse("t", "0.0.0.0/8"), Cidr.parse("t", "224.0.0.0/4"),
                Cidr.parse("t", "169.254.0.0/16"));
        int refusedSeen = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] v4 = new byte[4];
            random.nextBytes(v4);
            InetAddress address = InetAddress.getByAddress(v4);
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(v4, 0, mapped, 12, 4);
            InetAddress asV6 = Inet6Address.getByAddress(null, mapped, -1);
            boolean expectRefused = refused.stream().anyMatch(c -> c.contains(address))
                    || Addresses.format(address).equals("255.255.255.255");
            boolean v4Refused = isRefused(address);
            assertEquals(expectRefused, v4Refused, Addresses.format(address));
            assertEquals(v4Refused, isRefused(asV6), "mapped " + Addresses.format(address));
            refusedSeen += v4Refused ? 1 : 0;
        }
        assertTrue(refusedSeen > 1000, "the sample hit the refused blocks: " + refusedSeen);
        for (int i = 0; i < 20_000; i++) {
            byte[] v6 = new byte[16];
            random.nextBytes(v6);
            InetAddress address = InetAddress.getByAddress(v6);
            if (address.getAddress().length == 4) {
                continue; // a mapped address: judged as IPv4 above
            }
            boolean expectRefused = (v6[0] & 0xff) == 0xff
                    || ((v6[0] & 0xff) == 0xfe && (v6[1] & 0xc0) == 0x80);
            assertEquals(expectRefused, isRefused(address), Addresses.format(address));
        }
    }

    private static boolean isRefused(InetAddress address) {
        try {
            TargetPolicy.DEFAULT.checkIp("ip", address);
            return false;
        } catch (FieldException e) {
            return true;
        }
    }
}
