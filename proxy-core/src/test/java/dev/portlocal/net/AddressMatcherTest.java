package dev.portlocal.net;

import dev.portlocal.model.Cidr;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressMatcherTest {

    private static AddressMatcher of(String... blocks) {
        List<Cidr> list = new ArrayList<>();
        for (String b : blocks) {
            list.add(Cidr.parse("allowFrom", b));
        }
        return AddressMatcher.of(list);
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The scratch array as Netty's accept writes it: the length (address and port), the address, the port. */
    private static byte[] accepted(String literal) {
        byte[] address = ip(literal).getAddress();
        byte[] scratch = new byte[26];
        scratch[0] = (byte) (address.length == 4 ? 8 : 24);
        System.arraycopy(address, 0, scratch, 1, address.length);
        return scratch;
    }

    @Test
    void noBlocksIsNoMatcher() {
        assertNull(AddressMatcher.of(List.of()));
    }

    @Test
    void ipv4Blocks() {
        AddressMatcher m = of("10.244.0.0/16", "192.0.2.7/32");
        assertTrue(m.matches(ip("10.244.0.0")));
        assertTrue(m.matches(ip("10.244.255.255")));
        assertFalse(m.matches(ip("10.245.0.0")));
        assertTrue(m.matches(ip("192.0.2.7")));
        assertFalse(m.matches(ip("192.0.2.6")));
        assertFalse(m.matches(ip("192.0.2.8")));
        assertFalse(m.matches(ip("::1")), "no IPv6 block");
        assertTrue(m.matchesAccepted(accepted("10.244.3.4")));
        assertFalse(m.matchesAccepted(accepted("127.0.0.2")));
    }

    @Test
    void slashZeroMatchesItsFamilyOnly() {
        AddressMatcher v4 = of("0.0.0.0/0");
        assertTrue(v4.matches(ip("255.255.255.255")));
        assertTrue(v4.matches(ip("0.0.0.0")));
        assertFalse(v4.matches(ip("2001:db8::1")));
        AddressMatcher v6 = of("::/0");
        assertTrue(v6.matches(ip("2001:db8::1")));
        assertTrue(v6.matches(ip("::1")));
        assertFalse(v6.matches(ip("10.0.0.1")));
    }

    @Test
    void ipv6Blocks() {
        AddressMatcher m = of("fd00::/8", "2001:db8:1::/48", "2001:db8::42/128", "2001:db8:ffff:ffff:8000::/65");
        assertTrue(m.matches(ip("fd12:3456::1")));
        assertFalse(m.matches(ip("fe00::1")));
        assertTrue(m.matches(ip("2001:db8:1:ffff::1")));
        assertFalse(m.matches(ip("2001:db8:2::1")));
        assertTrue(m.matches(ip("2001:db8::42")));
        assertFalse(m.matches(ip("2001:db8::43")));
        assertTrue(m.matches(ip("2001:db8:ffff:ffff:8000::1")), "a prefix past 64 bits");
        assertFalse(m.matches(ip("2001:db8:ffff:ffff:7fff::1")));
        assertFalse(m.matches(ip("10.0.0.1")));
        assertTrue(m.matchesAccepted(accepted("2001:db8::42")));
        assertFalse(m.matchesAccepted(accepted("::1")));
        assertTrue(of("::1/128").matchesAccepted(accepted("::1")));
    }

    @Test
    void ipv4MappedIpv6IsMatchedAsIpv4() {
        AddressMatcher m = of("127.0.0.1/32");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 127;
        mapped[15] = 1;
        assertTrue(m.matches(mapped, 0, 16));
        mapped[15] = 2;
        assertFalse(m.matches(mapped, 0, 16));
        byte[] scratch = new byte[26];
        scratch[0] = 24;
        mapped[15] = 1;
        System.arraycopy(mapped, 0, scratch, 1, 16);
        assertTrue(m.matchesAccepted(scratch));
        assertFalse(of("::/0").matches(mapped, 0, 16), "a mapped address is not matched by an IPv6 block");
    }
}
