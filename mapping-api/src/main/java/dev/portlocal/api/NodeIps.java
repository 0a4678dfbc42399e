package dev.portlocal.api;

import dev.portlocal.model.Addresses;
import dev.portlocal.model.IpFamily;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The node's address per IP family, published as {@code nodeIP} in the NPL annotation: the one given with
 * {@code --node-ip}, else the first global-scope address of that family on the host (not loopback, link-local,
 * multicast or the wildcard), in interface order. A family with neither has no node IP, and its mappings are not
 * published in the annotation (as NodePortLocal does): an entry of that family with another family's address, or
 * loopback, would send a load balancer to the wrong place.
 */
public final class NodeIps {

    /** One chosen address and where it came from: {@code flag}, or {@code detected} on an interface. */
    public record NodeIp(InetAddress ip, String source) {
        public NodeIp {
            requireNonNull(ip, "ip");
            requireNonNull(source, "source");
        }

        public IpFamily family() {
            return IpFamily.of(ip);
        }

        @Override
        public String toString() {
            return Addresses.format(ip) + " (" + source + ")";
        }
    }

    /** An address found on an interface. */
    public record HostAddress(String interfaceName, InetAddress ip) {
        public HostAddress {
            requireNonNull(interfaceName, "interfaceName");
            requireNonNull(ip, "ip");
        }
    }

    private final Map<IpFamily, NodeIp> byFamily;

    private NodeIps(Map<IpFamily, NodeIp> byFamily) {
        this.byFamily = Collections.unmodifiableMap(new EnumMap<>(byFamily));
    }

    /** {@code configured} per family (at most one each), the host's addresses for the others. */
    public static NodeIps resolve(List<InetAddress> configured) {
        return resolve(configured, hostAddresses());
    }

    /** As {@link #resolve(List)}, choosing among {@code host} instead of asking the operating system. */
    public static NodeIps resolve(List<InetAddress> configured, List<HostAddress> host) {
        Map<IpFamily, NodeIp> chosen = new EnumMap<>(IpFamily.class);
        for (InetAddress ip : configured) {
            if (chosen.putIfAbsent(IpFamily.of(ip), new NodeIp(ip, "flag")) != null) {
                throw new IllegalArgumentException("node-ip: " + Addresses.format(ip)
                        + " (expected: at most one address per family)");
            }
        }
        for (HostAddress candidate : host) {
            if (isGlobal(candidate.ip())) {
                chosen.putIfAbsent(IpFamily.of(candidate.ip()),
                        new NodeIp(withoutZone(candidate.ip()), "detected on " + candidate.interfaceName()));
            }
        }
        return new NodeIps(chosen);
    }

    /**
     * Exactly {@code ips}, at most one per family, as another source of truth chose them (the Kubernetes source
     * reads them from the Node object); a family without one has no node IP.
     *
     * @throws IllegalArgumentException if a family is given twice
     */
    public static NodeIps of(List<NodeIp> ips) {
        Map<IpFamily, NodeIp> chosen = new EnumMap<>(IpFamily.class);
        for (NodeIp ip : ips) {
            if (chosen.putIfAbsent(ip.family(), ip) != null) {
                throw new IllegalArgumentException("nodeIPs: " + Addresses.format(ip.ip())
                        + " (expected: at most one address per family, " + ip.family() + " given twice)");
            }
        }
        return new NodeIps(chosen);
    }

    /** The address without its interface scope: a global address needs none, and the annotation has none. */
    private static InetAddress withoutZone(InetAddress ip) {
        try {
            return InetAddress.getByAddress(ip.getAddress());
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes always make an address", e);
        }
    }

    /** True for an address of global scope: what a load balancer elsewhere could send traffic to. */
    static boolean isGlobal(InetAddress ip) {
        return !(ip.isLoopbackAddress() || ip.isLinkLocalAddress() || ip.isAnyLocalAddress()
                || ip.isMulticastAddress() || (ip instanceof Inet6Address && ip.isSiteLocalAddress()));
    }

    /** The addresses of every interface that is up, in interface index order; empty if they cannot be listed. */
    public static List<HostAddress> hostAddresses() {
        List<HostAddress> out = new ArrayList<>();
        try {
            List<NetworkInterface> interfaces = Collections.list(NetworkInterface.getNetworkInterfaces());
            interfaces.sort((a, b) -> Integer.compare(a.getIndex(), b.getIndex()));
            for (NetworkInterface nif : interfaces) {
                if (!nif.isUp()) {
                    continue;
                }
                for (InetAddress ip : Collections.list(nif.getInetAddresses())) {
                    out.add(new HostAddress(nif.getName(), ip));
                }
            }
        } catch (SocketException | RuntimeException e) {
            return List.of();
        }
        return out;
    }

    /** The node IP chosen for {@code family}, if any. */
    public Optional<NodeIp> get(IpFamily family) {
        return Optional.ofNullable(byFamily.get(family));
    }

    /** The address to publish for a mapping of {@code family}: that family's node IP; empty if it has none. */
    public Optional<InetAddress> forFamily(IpFamily family) {
        return get(family).map(NodeIp::ip);
    }

    /** Every chosen node IP, IPv4 first. */
    public List<NodeIp> all() {
        return List.copyOf(byFamily.values());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NodeIps that && byFamily.equals(that.byFamily);
    }

    @Override
    public int hashCode() {
        return byFamily.hashCode();
    }

    @Override
    public String toString() {
        return byFamily.values().toString();
    }
}
