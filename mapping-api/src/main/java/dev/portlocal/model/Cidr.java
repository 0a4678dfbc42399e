package dev.portlocal.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import static java.util.Objects.requireNonNull;

/**
 * An address block, {@code 10.244.0.0/16} or {@code fd00::/8}: an IP literal, a slash and a prefix length (0-32 for
 * IPv4, 0-128 for IPv6). A literal without a slash is the block of that one address. Bits past the prefix must be
 * zero, so a block is written one way only ({@code 10.244.1.0/16} is refused). IPv4-mapped IPv6 literals
 * ({@code ::ffff:10.0.0.0/104}) are refused: write the IPv4 block.
 *
 * <p>Immutable and thread-safe.
 */
public final class Cidr {

    /** What {@link #parse} accepts, in words, for error messages. */
    public static final String EXPECTED = "an address block such as 10.244.0.0/16 or fd00::/8";

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses {@code A/N} or a single address.
     *
     * @throws FieldException naming {@code field} and the value
     */
    public static Cidr parse(String field, String text) {
        requireNonNull(field, "field");
        if (text == null) {
            throw new FieldException(field, "null (expected: " + EXPECTED + ")");
        }
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        InetAddress ip;
        try {
            ip = Addresses.parseIp(field, address);
        } catch (FieldException e) {
            throw new FieldException(field, text + " (expected: " + EXPECTED + ")");
        }
        if (address.indexOf(':') >= 0 && ip.getAddress().length == 4) {
            throw new FieldException(field, text + " (expected: " + EXPECTED + "; write an IPv4-mapped block as "
                    + "IPv4)");
        }
        byte[] bytes = ip.getAddress();
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = trimmed.substring(slash + 1);
            if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > bits) {
                throw new FieldException(field, text + " (expected: " + EXPECTED + ", a prefix length 0-" + bits
                        + ")");
            }
            prefix = Integer.parseInt(length);
        }
        for (int bit = prefix; bit < bits; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new FieldException(field, text + " (expected: " + EXPECTED + ", no bits set past the prefix "
                        + "length)");
            }
        }
        return new Cidr(bytes, prefix);
    }

    /** True if {@code ip} lies in this block; an address of the other family never does. */
    public boolean contains(InetAddress ip) {
        byte[] bytes = TargetPolicy.normalize(ip).getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The block's first address, 4 or 16 bytes (a copy). */
    public byte[] network() {
        return network.clone();
    }

    /** The prefix length: 0-32 for IPv4, 0-128 for IPv6. */
    public int prefix() {
        return prefix;
    }

    /** The family of the block. */
    public IpFamily family() {
        return network.length == 4 ? IpFamily.IPv4 : IpFamily.IPv6;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && prefix == other.prefix && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** {@code 10.244.0.0/16}, IPv6 in RFC 5952 form. */
    @Override
    public String toString() {
        try {
            return Addresses.format(InetAddress.getByAddress(network)) + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
