package dev.portlocal.bench.transport;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Where the harness may send traffic and bind: loopback, or the benchmark range 198.18.0.0/15, which only the
 * network namespaces of a {@code --topology netns} run route (the host's namespace has no route into it from here).
 */
public final class AllowedAddresses {

    /** For messages: what an address must be. */
    public static final String EXPECTED = "a loopback address, or one in 198.18.0.0/15 (the netns topology)";

    private AllowedAddresses() {
    }

    public static boolean allowed(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        return address instanceof Inet4Address && (b[0] & 0xff) == 198 && (b[1] & 0xfe) == 18;
    }
}
