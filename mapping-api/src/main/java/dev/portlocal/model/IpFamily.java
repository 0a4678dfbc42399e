package dev.portlocal.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static java.util.Objects.requireNonNull;

/**
 * An IP family. IPv4 and IPv6 are separate node port spaces, as in NodePortLocal. The enum constant names are the
 * exact strings of the NPL annotation's {@code ipFamily} field.
 */
public enum IpFamily {
    IPv4,
    IPv6;

    public static IpFamily of(InetAddress address) {
        requireNonNull(address, "address");
        if (address instanceof Inet4Address) {
            return IPv4;
        }
        if (address instanceof Inet6Address) {
            return IPv6;
        }
        throw new IllegalArgumentException("address: " + address + " (expected: IPv4 or IPv6)");
    }
}
