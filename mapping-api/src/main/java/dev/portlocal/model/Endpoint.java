package dev.portlocal.model;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A local endpoint to expose, such as a Pod: a unique name, its IPs (one, or one of each family for a dual-stack
 * endpoint) and the ports to map. Each port yields one {@link MappingKey} per IP family; the IP itself is not part
 * of the key, so a new IP under the same name keeps the node ports. IPv4 and IPv6 are separate node port spaces,
 * as in NodePortLocal.
 *
 * <p>{@code ready} is the endpoint's own readiness as its source knows it (a Pod's Ready condition); it is carried
 * into each {@link Mapping} and {@link MappingStatus} and never removes a mapping. Sources without a notion of
 * readiness declare endpoints ready.
 *
 * <p>The record owns the rules over its lists (at most one address per family, each port and protocol once, no node
 * port pinned twice for one protocol) and throws {@link FieldException} naming the element, such as
 * {@code ports[2]}, by its index in the list given.
 */
public record Endpoint(String name, List<InetAddress> ips, List<EndpointPort> ports, boolean ready) {

    /** What {@link #checkName} accepts, in words, for error messages. */
    public static final String NAME_EXPECTED = "one or two segments separated by '/', each 1-253 characters of "
            + "[A-Za-z0-9._-] starting and ending with a letter or digit";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?");

    public Endpoint {
        checkName(name);
        requireNonNull(ips, "ips");
        ips = List.copyOf(ips);
        if (ips.isEmpty()) {
            throw new FieldException("ips", "[] (expected: one address, or one of each family)");
        }
        Map<IpFamily, InetAddress> families = new EnumMap<>(IpFamily.class);
        for (int k = 0; k < ips.size(); k++) {
            InetAddress ip = ips.get(k);
            InetAddress first = families.putIfAbsent(IpFamily.of(ip), ip);
            if (first != null) {
                throw new FieldException("ips[" + k + "]", Addresses.format(ip) + " (expected: one address of each "
                        + "family, " + IpFamily.of(ip) + " already given as " + Addresses.format(first) + ")");
            }
        }
        requireNonNull(ports, "ports");
        ports = List.copyOf(ports);
        if (ports.isEmpty()) {
            throw new FieldException("ports", "[] (expected: at least one port)");
        }
        Map<String, Integer> listedAt = new HashMap<>();
        Map<String, Integer> pinnedAt = new HashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            EndpointPort port = ports.get(i);
            String key = port.port() + "/" + port.protocol().wireName();
            Integer first = listedAt.putIfAbsent(key, i);
            if (first != null) {
                throw new FieldException("ports[" + i + "]", key + " (expected: each port and protocol once, "
                        + "already listed at ports[" + first + "])");
            }
            if (port.nodePort().isPresent()) {
                // Every family of the endpoint would pin the same number twice in one port space.
                int nodePort = port.nodePort().getAsInt();
                Integer pinner = pinnedAt.putIfAbsent(port.protocol().wireName() + "/" + nodePort, i);
                if (pinner != null) {
                    throw new FieldException("ports[" + i + "].nodePort", nodePort + " (expected: unique per "
                            + "protocol, already pinned by ports[" + pinner + "])");
                }
            }
        }
    }

    /** A ready endpoint. */
    public Endpoint(String name, List<InetAddress> ips, List<EndpointPort> ports) {
        this(name, ips, ports, true);
    }

    /** A single-stack endpoint. */
    public Endpoint(String name, InetAddress ip, List<EndpointPort> ports) {
        this(name, List.of(requireNonNull(ip, "ip")), ports);
    }

    /**
     * Checks an endpoint name: {@code namespace/pod} or a plain name.
     *
     * @throws FieldException naming the field {@code name}, the value and what was expected
     */
    public static String checkName(String name) {
        if (!isValidName(name)) {
            throw new FieldException("name", name + " (expected: " + NAME_EXPECTED + ")");
        }
        return name;
    }

    public static boolean isValidName(String name) {
        if (name == null) {
            return false;
        }
        int slash = name.indexOf('/');
        if (slash < 0) {
            return SEGMENT.matcher(name).matches();
        }
        return SEGMENT.matcher(name.substring(0, slash)).matches()
                && SEGMENT.matcher(name.substring(slash + 1)).matches();
    }

    /** The first IP: the only one of a single-stack endpoint. */
    public InetAddress ip() {
        return ips.get(0);
    }

    /** True if the endpoint has an IP of both families. */
    public boolean dualStack() {
        return ips.size() > 1;
    }

    /** One key per port and IP family, in the order of {@link #ports()}, then {@link #ips()}. */
    public List<MappingKey> keys() {
        List<MappingKey> keys = new ArrayList<>(ports.size() * ips.size());
        for (EndpointPort port : ports) {
            for (InetAddress ip : ips) {
                keys.add(key(port, ip));
            }
        }
        return keys;
    }

    public MappingKey key(EndpointPort port, InetAddress ip) {
        return new MappingKey(name, port.port(), port.protocol(), IpFamily.of(ip));
    }

    /** Where traffic for {@code port} on {@code ip}'s family goes. */
    public InetSocketAddress target(EndpointPort port, InetAddress ip) {
        return new InetSocketAddress(ip, port.port());
    }
}
