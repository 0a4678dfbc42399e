package dev.portlocal.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Durations;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.EndpointPort;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Validates the body of {@code PUT /v1/endpoints/{name}}: one entry of the mapping file, as JSON.
 * <pre>
 * {"name": "shop/web", "ip": "10.244.1.23", "ports": [{"port": 8080, "protocol": "tcp", "nodePort": 61005}]}
 * {"ips": ["10.244.1.23", "fd00:10:244:1::17"], "ports": [{"port": 8080}]}
 * </pre>
 * {@code name} is optional and must match the path; {@code protocol} defaults to tcp; {@code nodePort} pins a port
 * inside the range. Types are strict (a quoted number is a string, {@code 80.0} is not an integer) and unknown
 * fields are errors. The first problem, in field order, is reported as a 400 naming the field and its value.
 *
 * <p>Immutable and thread-safe.
 */
public final class EndpointBodyParser {

    private static final List<String> ENDPOINT_FIELDS = List.of("name", "ip", "ips", "ports");
    private static final List<String> PORT_FIELDS = List.of("port", "protocol", "nodePort", "idleTimeout");

    private final PortRange range;

    public EndpointBodyParser(PortRange range) {
        this.range = requireNonNull(range, "range");
    }

    /**
     * Parses {@code body} as the endpoint {@code name} (already checked by the router).
     *
     * @throws ApiException 400 naming the first invalid field
     */
    public Endpoint parse(String name, byte[] body) {
        requireNonNull(name, "name");
        JsonNode root = ApiJson.readBody(body);
        if (!root.isObject()) {
            throw invalid("body", root, "body: " + ApiJson.describe(root)
                    + " (expected: a JSON object with the fields ip and ports)");
        }
        unknownFields(root, "", ENDPOINT_FIELDS);

        JsonNode nameNode = root.get("name");
        if (nameNode != null && !nameNode.isNull()) {
            if (!nameNode.isTextual()) {
                throw invalid("name", nameNode, "name: " + ApiJson.describe(nameNode) + " (expected: a string)");
            }
            if (!nameNode.asText().equals(name)) {
                throw invalid("name", nameNode, "name: " + ApiJson.describe(nameNode)
                        + " (expected: the name in the path, \"" + name + "\", or no name)");
            }
        }

        List<InetAddress> ips = ips(root);

        JsonNode portsNode = root.get("ports");
        if (portsNode == null || !portsNode.isArray() || portsNode.isEmpty()) {
            throw invalid("ports", portsNode, "ports: " + ApiJson.describe(portsNode)
                    + " (expected: a list of at least one port)");
        }
        List<EndpointPort> ports = new ArrayList<>();
        Map<String, Integer> listedAt = new HashMap<>();
        for (int i = 0; i < portsNode.size(); i++) {
            EndpointPort port = port("ports[" + i + "]", portsNode.get(i));
            String key = port.port() + "/" + port.protocol().wireName();
            Integer first = listedAt.putIfAbsent(key, i);
            if (first != null) {
                throw invalid("ports[" + i + "]", portsNode.get(i), "ports[" + i + "]: " + key
                        + " (expected: each port and protocol once, already listed at ports[" + first + "])");
            }
            ports.add(port);
        }
        try {
            return new Endpoint(name, ips, ports);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, ApiError.of(e.getMessage(), "body", (JsonNode) null));
        }
    }

    /** {@code "ip": "A"}, or {@code "ips": ["A", "B"]} for a dual-stack endpoint: one address of each family. */
    private static List<InetAddress> ips(JsonNode root) {
        JsonNode ipNode = root.get("ip");
        JsonNode ipsNode = root.get("ips");
        if (ipsNode != null && ipNode != null) {
            throw invalid(
                    "ips", ipsNode, "ips: " + ApiJson.describe(ipsNode) + " (expected: either ip or ips, not both)");
        }
        if (ipsNode == null) {
            if (ipNode == null || !ipNode.isTextual()) {
                throw invalid("ip", ipNode, "ip: " + ApiJson.describe(ipNode)
                        + " (expected: an IPv4 or IPv6 address, or ips: [IPv4, IPv6])");
            }
            return List.of(address("ip", ipNode));
        }
        if (!ipsNode.isArray() || ipsNode.isEmpty() || ipsNode.size() > 2) {
            throw invalid("ips", ipsNode, "ips: " + ApiJson.describe(ipsNode)
                    + " (expected: a list of one address, or one of each family)");
        }
        List<InetAddress> ips = new ArrayList<>();
        Set<IpFamily> families = EnumSet.noneOf(IpFamily.class);
        for (int k = 0; k < ipsNode.size(); k++) {
            String field = "ips[" + k + "]";
            JsonNode node = ipsNode.get(k);
            if (!node.isTextual()) {
                throw invalid(field, node, field +
                        ": " + ApiJson.describe(node) + " (expected: an IPv4 or IPv6 address)");
            }
            InetAddress ip = address(field, node);
            if (!families.add(IpFamily.of(ip))) {
                throw invalid(field, node, field + ": " + ApiJson.describe(node)
                        + " (expected: one address of each family, " + IpFamily.of(ip) + " given twice)");
            }
            ips.add(ip);
        }
        return ips;
    }

    private static InetAddress address(String field, JsonNode node) {
        try {
            return Addresses.parseIp(field, node.asText());
        } catch (IllegalArgumentException e) {
            throw invalid(field, node, field + ": " + ApiJson.describe(node) + " (expected: an IPv4 or IPv6 address)");
        }
    }

    private EndpointPort port(String field, JsonNode node) {
        if (!node.isObject()) {
            throw invalid(field, node, field + ": " + ApiJson.describe(node)
                    + " (expected: an object with the fields port, protocol and nodePort)");
        }
        unknownFields(node, field + ".", PORT_FIELDS);

        JsonNode portNode = node.get("port");
        int port = integer(field + ".port", portNode, 1, 65535, "1-65535");

        Protocol protocol = Protocol.TCP;
        JsonNode protocolNode = node.get("protocol");
        if (protocolNode != null && !protocolNode.isNull()) {
            if (!protocolNode.isTextual()) {
                throw invalid(field + ".protocol", protocolNode, field + ".protocol: "
                        + ApiJson.describe(protocolNode) + " (expected: tcp or udp)");
            }
            try {
                protocol = Protocol.parse(protocolNode.asText());
            } catch (IllegalArgumentException e) {
                throw invalid(field + ".protocol", protocolNode, field + ".protocol: "
                        + ApiJson.describe(protocolNode) + " (expected: tcp or udp)");
            }
        }

        OptionalInt nodePort = OptionalInt.empty();
        JsonNode nodePortNode = node.get("nodePort");
        if (nodePortNode != null && !nodePortNode.isNull()) {
            nodePort = OptionalInt.of(integer(field + ".nodePort", nodePortNode, range.start(), range.end(),
                    "inside port range " + range));
        }
        Optional<Duration> idleTimeout = Optional.empty();
        JsonNode idleNode = node.get("idleTimeout");
        if (idleNode != null && !idleNode.isNull()) {
            String f = field + ".idleTimeout";
            if (!idleNode.isTextual()) {
                throw invalid(f, idleNode, f + ": " + ApiJson.describe(idleNode)
                        + " (expected: a duration such as \"30s\")");
            }
            try {
                Duration d = Durations.parse("idleTimeout", idleNode.asText());
                EndpointPort.checkIdleTimeout(protocol, d);
                idleTimeout = Optional.of(d);
            } catch (IllegalArgumentException e) {
                throw invalid(f, idleNode, field + "." + e.getMessage());
            }
        }
        return new EndpointPort(port, protocol, nodePort, idleTimeout);
    }

    private static int integer(String field, JsonNode node, int min, int max, String expected) {
        if (node == null || node.isNull() || !node.isIntegralNumber()) {
            throw invalid(field, node, field + ": " + ApiJson.describe(node) + " (expected: an integer, "
                    + expected + ")");
        }
        if (!node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
            throw invalid(field, node, field + ": " + ApiJson.describe(node) + " (expected: " + expected + ")");
        }
        return node.intValue();
    }

    private static void unknownFields(JsonNode object, String prefix, List<String> known) {
        Set<String> allowed = Set.copyOf(known);
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (!allowed.contains(field.getKey())) {
                String name = prefix + field.getKey();
                throw invalid(name, field.getValue(), name + ": unknown field (expected one of: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    private static ApiException invalid(String field, JsonNode value, String message) {
        return new ApiException(400, ApiError.of(message, field, ApiJson.echo(value)));
    }
}
