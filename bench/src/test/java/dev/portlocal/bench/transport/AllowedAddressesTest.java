package dev.portlocal.bench.transport;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllowedAddressesTest {

    private static boolean allowed(String address) throws UnknownHostException {
        return AllowedAddresses.allowed(InetAddress.getByName(address));
    }

    @Test
    void loopbackAndTheBenchmarkRangeOnly() throws UnknownHostException {
        assertTrue(allowed("127.0.0.1"));
        assertTrue(allowed("127.8.9.10"));
        assertTrue(allowed("::1"));
        assertTrue(allowed("198.18.0.1"));
        assertTrue(allowed("198.19.255.254"));
        assertFalse(allowed("198.17.255.255"));
        assertFalse(allowed("198.20.0.1"));
        assertFalse(allowed("10.0.0.1"));
        assertFalse(allowed("192.168.1.1"));
        assertFalse(allowed("2001:db8::1"));
    }
}
