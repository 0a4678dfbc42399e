package dev.portlocal.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Which targets a mapping may relay to. Every source of endpoints is judged by it: the endpoint reader (the mapping
 * file and {@code PUT /v1/endpoints}) refuses an endpoint whose target breaks it, with a message
 * {@code field: value (expected: ...)}, and the reconciler refuses any endpoint it is given that breaks it (the
 * Kubernetes source's, or one restored from the state file after the policy changed).
 *
 * <p>Always refused, whatever the configuration: the unspecified addresses ({@code 0.0.0.0/8}, {@code ::}),
 * multicast ({@code 224.0.0.0/4}, {@code ff00::/8}), the limited broadcast {@code 255.255.255.255}, and link-local
 * ({@code 169.254.0.0/16}, which holds the cloud metadata service at {@code 169.254.169.254}, and {@code fe80::/10}).
 * An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is judged as the IPv4 address it maps.
 *
 * <p>Configured: {@code allowedTargets} (a list of blocks; when not empty, only addresses inside one of them may be
 * targets), and {@code allowLoopbackTargets} (default true: a daemon on a host maps local services).
 *
 * <p>The daemon itself: a target the daemon's own sockets answer on is refused: the API's port on the API's
 * address, and a port of the node port range on an address node ports listen on. A wildcard bind
 * ({@code 0.0.0.0}, {@code ::}) answers on loopback and on every address of the host (its interfaces, its node
 * IPs), so then those are the daemon's own. A mapping to the daemon would loop through it or expose its API.
 *
 * <p>Immutable and thread-safe, except that {@link #apiListening} may be told once, by the daemon, the API port
 * the kernel chose when port 0 was configured.
 */
public final class TargetPolicy {

    /** The address rules alone: no allow list, loopback allowed, nothing known of the daemon. */
    public static final TargetPolicy DEFAULT = builder().build();

    private static final Cidr THIS_NETWORK = Cidr.parse("this network", "0.0.0.0/8");
    private static final Cidr LINK_LOCAL_V4 = Cidr.parse("link-local", "169.254.0.0/16");
    private static final Cidr LINK_LOCAL_V6 = Cidr.parse("link-local", "fe80::/10");

    private final List<Cidr> allowed;
    private final boolean allowLoopback;
    /** The host's own addresses: what a wildcard bind answers on, besides loopback. */
    private final Set<InetAddress> hostAddresses;
    private final Optional<PortRange> nodePorts;
    /** Where node ports listen; a wildcard stands for every address of its family on this host. */
    private final Set<InetAddress> listenAddresses;
    private final Optional<InetAddress> apiAddress;
    private volatile int apiPort;

    private TargetPolicy(Builder b) {
        this.allowed = List.copyOf(b.allowed);
        this.allowLoopback = b.allowLoopback;
        this.hostAddresses = normalized(b.hostAddresses);
        this.nodePorts = Optional.ofNullable(b.nodePorts);
        this.listenAddresses = normalized(b.listenAddresses);
        this.apiAddress = Optional.ofNullable(b.apiAddress).map(TargetPolicy::normalize);
        this.apiPort = b.apiPort;
    }

    private static Set<InetAddress> normalized(Collection<InetAddress> addresses) {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (InetAddress ip : addresses) {
            out.add(withoutZone(normalize(ip)));
        }
        return Set.copyOf(out);
    }

    private static InetAddress withoutZone(InetAddress ip) {
        try {
            return InetAddress.getByAddress(ip.getAddress());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The allow list; empty allows every address the fixed rules allow. */
    public List<Cidr> allowedTargets() {
        return allowed;
    }

    public boolean allowLoopback() {
        return allowLoopback;
    }

    /** The API's TCP port, if the daemon serves its API on TCP and the port is known. */
    public OptionalInt apiPort() {
        int port = apiPort;
        return port > 0 ? OptionalInt.of(port) : OptionalInt.empty();
    }

    /** The daemon's API listens on {@code port} (the one the kernel chose for a configured port 0). */
    public void apiListening(int port) {
        PortRange.checkPort("apiPort", port);
        this.apiPort = port;
    }

    /**
     * The address as it is judged and used: an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) becomes the IPv4
     * address; any other address is returned as is.
     */
    public static InetAddress normalize(InetAddress ip) {
        requireNonNull(ip, "ip");
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return ip;
    }

    /**
     * Checks an address as a target, whatever its port.
     *
     * @return the address, normalised ({@link #normalize})
     * @throws FieldException naming {@code field}, the address and why it is refused
     */
    public InetAddress checkIp(String field, InetAddress ip) {
        InetAddress address = normalize(ip);
        String shown = Addresses.format(address);
        if (address.isAnyLocalAddress() || THIS_NETWORK.contains(address)) {
            throw refused(field, shown, "not unspecified (0.0.0.0/8, ::): no host answers there");
        }
        if (address.isMulticastAddress()) {
            throw refused(field, shown, "a unicast address, not multicast ("
                    + (address instanceof Inet4Address ? "224.0.0.0/4" : "ff00::/8") + ")");
        }
        if (address instanceof Inet4Address && shown.equals("255.255.255.255")) {
            throw refused(field, shown, "a unicast address, not the broadcast address");
        }
        if (LINK_LOCAL_V4.contains(address)) {
            throw refused(field, shown, "not link-local (169.254.0.0/16, which holds the cloud metadata service "
                    + "169.254.169.254)");
        }
        if (LINK_LOCAL_V6.contains(address)) {
            throw refused(field, shown, "not link-local (fe80::/10)");
        }
        if (address.isLoopbackAddress() && !allowLoopback) {
            throw refused(field, shown, "not loopback (allowLoopbackTargets is false)");
        }
        if (!allowed.isEmpty() && allowed.stream().noneMatch(block -> block.contains(address))) {
            throw refused(field, shown, "inside allowedTargets: " + allowed.stream().map(Cidr::toString)
                    .collect(Collectors.joining(", ")));
        }
        return address;
    }

    /**
     * Checks a target's port on its address: the daemon's own API port on an address the API answers on, and its
     * node port range on an address its node ports listen on, are refused. Call after {@link #checkIp}.
     *
     * @throws FieldException naming {@code field} (the port's), the port and why it is refused
     */
    public void checkPort(String field, InetAddress ip, int port) {
        InetAddress address = withoutZone(normalize(ip));
        String where = Addresses.format(address);
        int api = apiPort;
        if (api > 0 && port == api && apiAddress.isPresent() && answersOn(Set.of(apiAddress.get()), address)) {
            throw refused(field, Integer.toString(port), "not this daemon's own API, which listens on "
                    + Addresses.format(apiAddress.get()) + ":" + api);
        }
        if (nodePorts.isPresent() && nodePorts.get().contains(port) && answersOn(listenAddresses, address)) {
            throw refused(field, Integer.toString(port), "not a node port of this daemon (" + nodePorts.get()
                    + ") on its own address " + where + ": the mapping would loop through itself");
        }
    }

    /** True if a socket bound to one of {@code bound} accepts connections to {@code target}. */
    private boolean answersOn(Set<InetAddress> bound, InetAddress target) {
        if (bound.contains(target)) {
            return true;
        }
        boolean wildcard = bound.stream().anyMatch(a -> a.isAnyLocalAddress()
                && a.getAddress().length == target.getAddress().length);
        return wildcard && (target.isLoopbackAddress() || hostAddresses.contains(target));
    }

    /**
     * Checks every target of {@code endpoint}: each address, then each port on each address.
     *
     * @param ipField {@code ip} if the endpoint was written with {@code ip}, else {@code ips}: the addresses are
     *                then named {@code ips[0]}, {@code ips[1]}
     * @throws FieldException naming the first field at fault
     */
    public Endpoint check(Endpoint endpoint, String ipField) {
        List<InetAddress> ips = endpoint.ips();
        for (int i = 0; i < ips.size(); i++) {
            checkIp(ipField.equals("ip") ? "ip" : ipField + "[" + i + "]", ips.get(i));
        }
        for (int j = 0; j < endpoint.ports().size(); j++) {
            for (InetAddress ip : ips) {
                checkPort("ports[" + j + "].port", ip, endpoint.ports().get(j).port());
            }
        }
        return endpoint;
    }

    /** Why {@code endpoint} is refused, as {@code field: value (expected: ...)}; empty if it is not. */
    public Optional<String> refusal(Endpoint endpoint) {
        try {
            check(endpoint, endpoint.dualStack() ? "ips" : "ip");
            return Optional.empty();
        } catch (FieldException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static FieldException refused(String field, String value, String expected) {
        return new FieldException(field, value + " (expected: " + expected + ")");
    }

    @Override
    public String toString() {
        return "TargetPolicy[allowedTargets=" + allowed + ", allowLoopbackTargets=" + allowLoopback
                + ", nodePorts=" + nodePorts.map(Object::toString).orElse("-") + " on " + format(listenAddresses)
                + ", api=" + apiAddress.map(Addresses::format).orElse("-") + ":" + apiPort + ", host="
                + format(hostAddresses) + "]";
    }

    private static String format(Set<InetAddress> addresses) {
        return addresses.stream().map(Addresses::format).collect(Collectors.joining(",", "[", "]"));
    }

    /** Fluent, mutable. */
    public static final class Builder {
        private final List<Cidr> allowed = new ArrayList<>();
        private boolean allowLoopback = true;
        private final List<InetAddress> hostAddresses = new ArrayList<>();
        private PortRange nodePorts;
        private final List<InetAddress> listenAddresses = new ArrayList<>();
        private InetAddress apiAddress;
        private int apiPort;

        private Builder() {
        }

        public Builder allowedTargets(Collection<Cidr> blocks) {
            allowed.clear();
            allowed.addAll(blocks);
            return this;
        }

        public Builder allowLoopback(boolean value) {
            this.allowLoopback = value;
            return this;
        }

        /** This host's addresses (its interfaces', its node IPs): what a wildcard bind answers on. */
        public Builder hostAddresses(Collection<InetAddress> addresses) {
            hostAddresses.addAll(addresses);
            return this;
        }

        /** The node port range, and the addresses node ports listen on (a wildcard: every host address). */
        public Builder nodePorts(PortRange range, Collection<InetAddress> listenOn) {
            this.nodePorts = requireNonNull(range, "range");
            listenAddresses.addAll(listenOn);
            return this;
        }

        /** The API's TCP address; port 0 (the kernel chooses) is told later with {@link #apiListening}. */
        public Builder api(InetAddress address, int port) {
            if (port != 0) {
                PortRange.checkPort("apiPort", port);
            }
            this.apiAddress = requireNonNull(address, "address");
            this.apiPort = port;
            return this;
        }

        public TargetPolicy build() {
            return new TargetPolicy(this);
        }
    }
}
