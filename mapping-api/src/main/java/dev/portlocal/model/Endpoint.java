package dev.portlocal.model;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A local endpoint to expose, such as a Pod: a unique name, one IP and the ports to map. Each port yields one
 * {@link MappingKey}; the IP is not part of the key, so a new IP under the same name keeps the node ports.
 */
public record Endpoint(String name, InetAddress ip, List<EndpointPort> ports) {

    /** What {@link #checkName} accepts, in words, for error messages. */
    public static final String NAME_EXPECTED = "one or two segments separated by '/', each 1-253 characters of "
            + "[A-Za-z0-9._-] starting and ending with a letter or digit";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?");

    public Endpoint {
        checkName(name);
        requireNonNull(ip, "ip");
        IpFamily.of(ip);
        requireNonNull(ports, "ports");
        ports = List.copyOf(ports);
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("ports: [] (expected: at least one port)");
        }
        Set<String> seen = new HashSet<>();
        for (EndpointPort port : ports) {
            if (!seen.add(port.port() + "/" + port.protocol().wireName())) {
                throw new IllegalArgumentException("ports: " + port.port() + "/" + port.protocol().wireName()
                        + " listed twice (expected: each port and protocol once)");
            }
        }
    }

    /**
     * Checks an endpoint name: {@code namespace/pod} or a plain name.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static String checkName(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("name: " + name + " (expected: " + NAME_EXPECTED + ")");
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

    public IpFamily family() {
        return IpFamily.of(ip);
    }

    /** One key per port, in the order of {@link #ports()}. */
    public List<MappingKey> keys() {
        List<MappingKey> keys = new ArrayList<>(ports.size());
        for (EndpointPort port : ports) {
            keys.add(key(port));
        }
        return keys;
    }

    public MappingKey key(EndpointPort port) {
        return new MappingKey(name, port.port(), port.protocol(), family());
    }

    /** Where traffic for {@code port} goes: this endpoint's IP and that port. */
    public InetSocketAddress target(EndpointPort port) {
        return new InetSocketAddress(ip, port.port());
    }
}
