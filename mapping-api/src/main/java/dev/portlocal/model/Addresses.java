package dev.portlocal.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Formatting and strict parsing of IP literals. Never resolves host names. */
public final class Addresses {

    private Addresses() {
    }

    /**
     * Parses an IPv4 or IPv6 literal. Host names are refused, so no DNS lookup ever happens.
     *
     * @throws IllegalArgumentException naming the field and the value
     */
    public static InetAddress parseIp(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: an IPv4 or IPv6 address)");
        }
        String text = value.trim();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1);
        }
        boolean v4Literal = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6Literal = text.indexOf(':') >= 0 && text.matches("[0-9A-Fa-f:.%a-zA-Z_\\-]+");
        if (!v4Literal && !v6Literal) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: an IPv4 or IPv6 address)");
        }
        if (v4Literal) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new IllegalArgumentException(field + ": " + value + " (expected: an IPv4 or IPv6 address)");
                }
            }
        }
        try {
            // A literal never triggers a lookup; the checks above exclude host names.
            return InetAddress.getByName(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: an IPv4 or IPv6 address)");
        }
    }

    /** The address alone, IPv6 without brackets. */
    public static String format(InetAddress address) {
        String text = address.getHostAddress();
        int zone = text.indexOf('%');
        return zone >= 0 && address instanceof Inet6Address && ((Inet6Address) address).getScopeId() == 0
                ? text.substring(0, zone) : text;
    }

    /** {@code ip:port}, with IPv6 in brackets: {@code [fd00::1]:8080}. */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        return ip instanceof Inet6Address
                ? "[" + format(ip) + "]:" + address.getPort()
                : format(ip) + ":" + address.getPort();
    }
}
