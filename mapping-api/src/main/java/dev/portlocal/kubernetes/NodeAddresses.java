package dev.portlocal.kubernetes;

import dev.portlocal.api.NodeIps;
import dev.portlocal.api.NodeIps.NodeIp;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.IpFamily;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The node IPs published in the annotation, read from the Node object as NodePortLocal does: per IP family, the
 * first {@code ExternalIP}, else the first {@code InternalIP}. Other address types (hostnames) and values that are
 * not IP literals are ignored. A family without either has no node IP, and nothing is published for it. Pure.
 */
public final class NodeAddresses {

    public static final String EXTERNAL_IP = "ExternalIP";
    public static final String INTERNAL_IP = "InternalIP";

    private NodeAddresses() {
    }

    public static NodeIps nodeIps(Node node) {
        Map<IpFamily, NodeIp> chosen = new EnumMap<>(IpFamily.class);
        if (node != null && node.getStatus() != null && node.getStatus().getAddresses() != null) {
            for (String type : List.of(EXTERNAL_IP, INTERNAL_IP)) {
                for (NodeAddress address : node.getStatus().getAddresses()) {
                    if (type.equals(address.getType()) && address.getAddress() != null) {
                        InetAddress ip = parse(address.getAddress());
                        if (ip != null) {
                            chosen.putIfAbsent(IpFamily.of(ip), new NodeIp(ip, "node " + type));
                        }
                    }
                }
            }
        }
        return NodeIps.of(new ArrayList<>(chosen.values()));
    }

    private static InetAddress parse(String text) {
        try {
            return Addresses.parseIp("address", text.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
