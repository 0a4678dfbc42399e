package dev.portlocal.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AddressesFormatTest {

    @ParameterizedTest
    @CsvSource({
        "10.10.10.10, 10.10.10.10",
        "fd12:3456:789a:1:0:0:0:1, fd12:3456:789a:1::1",
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "FE80:0:0:0:0:0:0:AB%1, fe80::ab",
        "2001:0:0:1:0:0:0:0, 2001:0:0:1::"
    })
    void writesRfc5952(String literal, String expected) throws UnknownHostException {
        assertEquals(expected, Addresses.format(InetAddress.getByName(literal)));
    }
}
