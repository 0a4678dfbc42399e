package dev.portlocal.testing.netns;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Whether this machine lets us build topologies: {@code ip} is installed and {@code ip netns add} is permitted (root,
 * or CAP_SYS_ADMIN with a writable {@code /run/netns}). Tests skip with the reason when it does not.
 */
public final class NetnsSupport {

    private NetnsSupport() {
    }

    /** Empty when topologies can be built here; else why not, for a test's skip message. Probes once per JVM. */
    public static Optional<String> unavailableReason() {
        return Probe.REASON;
    }

    private static final class Probe {
        static final Optional<String> REASON = probe();

        private static Optional<String> probe() {
            String ns = RunId.generate().namespace("probe");
            try {
                Topology.run(List.of("ip", "netns", "add", ns));
            } catch (IOException e) {
                return Optional.of("network namespaces are not available here (`ip netns add` failed: "
                        + e.getMessage() + "); these tests need root and iproute2, as CI has");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while probing for network namespaces");
            }
            try {
                Topology.run(List.of("ip", "netns", "del", ns));
            } catch (IOException e) {
                return Optional.of("`ip netns del " + ns + "` failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while probing for network namespaces");
            }
            return Optional.empty();
        }
    }
}
