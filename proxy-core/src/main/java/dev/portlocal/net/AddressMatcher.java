package dev.portlocal.net;

import dev.portlocal.model.Cidr;
import dev.portlocal.model.IpFamily;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * A precomputed {@code allowFrom}: the address blocks as masks and prefixes, IPv4 as ints and IPv6 as two longs, so
 * that matching a client costs a few compares and no allocation. An IPv4-mapped IPv6 client ({@code ::ffff:a.b.c.d},
 * as a dual-stack socket sees an IPv4 peer) is matched as IPv4.
 *
 * <p>{@link #matches(byte[], int, int)} reads the address as Netty's {@code accept(byte[])} writes it: 4 address
 * bytes (then the port), or 16 (then the scope id and the port).
 *
 * <p>Immutable and thread-safe.
 */
public final class AddressMatcher {

    private final int[] v4Masks;
    private final int[] v4Prefixes;
    private final long[] v6HighMasks;
    private final long[] v6LowMasks;
    private final long[] v6High;
    private final long[] v6Low;

    private AddressMatcher(List<Cidr> blocks) {
        int v4 = 0;
        for (Cidr c : blocks) {
            if (c.family() == IpFamily.IPv4) {
                v4++;
            }
        }
        v4Masks = new int[v4];
        v4Prefixes = new int[v4];
        int v6 = blocks.size() - v4;
        v6HighMasks = new long[v6];
        v6LowMasks = new long[v6];
        v6High = new long[v6];
        v6Low = new long[v6];
        int i = 0;
        int j = 0;
        for (Cidr c : blocks) {
            byte[] network = c.network();
            int prefix = c.prefix();
            if (network.length == 4) {
                int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
                v4Masks[i] = mask;
                v4Prefixes[i] = readInt(network, 0) & mask;
                i++;
            } else {
                long highMask = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
                long lowMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
                v6HighMasks[j] = highMask;
                v6LowMasks[j] = lowMask;
                v6High[j] = readLong(network, 0) & highMask;
                v6Low[j] = readLong(network, 8) & lowMask;
                j++;
            }
        }
    }

    /** The matcher of {@code blocks}, or null for an empty list: everyone is allowed. */
    public static AddressMatcher of(List<Cidr> blocks) {
        return blocks.isEmpty() ? null : new AddressMatcher(blocks);
    }

    /** True if the IPv4 address {@code ip} (as a big-endian int) lies in a block. */
    public boolean matchesV4(int ip) {
        for (int i = 0; i < v4Masks.length; i++) {
            if ((ip & v4Masks[i]) == v4Prefixes[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if the address of {@code length} bytes (4 or 16) at {@code offset} of {@code bytes} lies in a block; an
     * IPv4-mapped IPv6 address is matched as its IPv4 address.
     */
    public boolean matches(byte[] bytes, int offset, int length) {
        if (length == 4) {
            return matchesV4(readInt(bytes, offset));
        }
        if (length != 16) {
            return false;
        }
        long high = readLong(bytes, offset);
        long low = readLong(bytes, offset + 8);
        if (high == 0 && (low >>> 32) == 0xFFFFL) {
            return matchesV4((int) low);
        }
        for (int i = 0; i < v6High.length; i++) {
            if ((high & v6HighMasks[i]) == v6High[i] && (low & v6LowMasks[i]) == v6Low[i]) {
                return true;
            }
        }
        return false;
    }

    /** The same for an {@link InetAddress}; an IPv4 address costs no allocation, an IPv6 one a copy of its bytes. */
    public boolean matches(InetAddress address) {
        if (address instanceof Inet4Address) {
            return matchesV4(address.hashCode()); // Inet4Address's hash code is its address, big-endian
        }
        byte[] bytes = address.getAddress();
        return matches(bytes, 0, bytes.length);
    }

    /** The address Netty's {@code accept(byte[])} wrote at {@code scratch[1..]}, its length at {@code scratch[0]}. */
    public boolean matchesAccepted(byte[] scratch) {
        int len = scratch[0];
        return matches(scratch, 1, len == 8 ? 4 : len == 24 ? 16 : -1);
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    private static long readLong(byte[] b, int off) {
        return (long) readInt(b, off) << 32 | (readInt(b, off + 4) & 0xFFFFFFFFL);
    }
}
