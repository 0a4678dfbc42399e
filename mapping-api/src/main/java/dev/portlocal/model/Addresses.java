package dev.portlocal.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/** Formatting and strict parsing of IP literals. Never resolves host names. */
public final class Addresses {

    /** What {@link #parseIp} accepts, in words, for error messages. */
    public static final String IP_EXPECTED = "an IPv4 or IPv6 address";

    private static final Pattern V4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern V6_LITERAL = Pattern.compile("[0-9A-Fa-f:.%a-zA-Z_\\-]+");

    private Addresses() {
    }

    /**
     * Parses an IPv4 or IPv6 literal. Host names are refused, so no DNS lookup ever happens.
     *
     * @throws FieldException naming the field and the value
     */
    public static InetAddress parseIp(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new FieldException(field, value + " (expected: " + IP_EXPECTED + ")");
        }
        String text = value.trim();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1);
        }
        boolean v4Literal = V4_LITERAL.matcher(text).matches();
        boolean v6Literal = text.indexOf(':') >= 0 && V6_LITERAL.matcher(text).matches();
        if (!v4Literal && !v6Literal) {
            throw new FieldException(field, value + " (expected: " + IP_EXPECTED + ")");
        }
        if (v4Literal) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new FieldException(field, value + " (expected: " + IP_EXPECTED + ")");
                }
            }
        }
        try {
            // A literal never triggers a lookup; the checks above exclude host names.
            return InetAddress.getByName(text);
        } catch (Exception e) {
            throw new FieldException(field, value + " (expected: " + IP_EXPECTED + ")");
        }
    }

    /**
     * The address alone: IPv4 dotted, IPv6 in RFC 5952's canonical form ({@code fd12:3456:789a:1::1}, lower case,
     * the longest run of zero groups as {@code ::}, no brackets, no zone), as Go's {@code net.IP.String} writes it
     * in NodePortLocal's annotation.
     */
    public static String format(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress();
        }
        byte[] raw = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((raw[2 * i] & 0xff) << 8) | (raw[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
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
