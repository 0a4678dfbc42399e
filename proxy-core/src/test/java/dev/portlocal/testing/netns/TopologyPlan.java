package dev.portlocal.testing.netns;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * What a {@link Topology} builds, computed as data so it can be checked without root: the namespaces, their
 * addresses and routes, and the {@code ip} commands that create them.
 *
 * <p>The layout is a small cluster. {@code lb} and every node have one veth leg on a bridge {@code br0} that lives in
 * its own {@code sw} namespace: 198.18.0.0/24, with {@code lb} at .1 and node {@code i} (1-based) at {@code .10+i}.
 * Behind node {@code i}, each pod namespace has {@code eth0} with a /32 from 198.19.{@code i}.0/24 ({@code .9+k} for
 * its {@code k}-th pod), on a veth pair whose node end ({@code pod<k>}) carries the node's pod gateway
 * 198.19.{@code i}.1/32, as point-to-point CNIs lay pods out. The node forwards between its pods and the bridge.
 * With {@link Builder#apiServerHost}, an {@code api} namespace joins the bridge at .2: where a test puts what stands
 * in for the cluster's API server (see {@link AgentClient#relayToUnixSocket}).
 *
 * <p>Every address is in 198.18.0.0/15 (the benchmark range) and no namespace has a default route: a packet for any
 * other address fails with "network unreachable" inside the namespace. {@code lb} reaches pods only through their
 * node, and only when {@link #lbRoutesToPods()} is set (the benchmark's direct path); otherwise only node addresses.
 */
public record TopologyPlan(RunId runId, Host lb, Optional<Host> apiServer, String fabric, List<NodePlan> nodes,
                           boolean lbRoutesToPods) {

    /** The only range the topology uses. */
    public static final String RANGE = "198.18.0.0/15";
    /** The bridge's subnet: lb and the nodes. */
    public static final String FABRIC_SUBNET = "198.18.0.0/24";
    static final int FABRIC_PREFIX_LENGTH = 24;
    /** Nodes and pods per node: addresses are one byte each. */
    public static final int MAX_NODES = 200;
    public static final int MAX_PODS_PER_NODE = 200;

    public TopologyPlan {
        requireNonNull(runId, "runId");
        requireNonNull(lb, "lb");
        requireNonNull(apiServer, "apiServer");
        requireNonNull(fabric, "fabric");
        nodes = List.copyOf(nodes);
        Set<String> podNames = new HashSet<>();
        for (NodePlan node : nodes) {
            for (PodPlan pod : node.pods()) {
                if (!podNames.add(pod.name())) {
                    throw new IllegalArgumentException("pod name: " + pod.name() + " (expected: unique in the "
                            + "topology)");
                }
            }
        }
    }

    /** A namespace with one address on the bridge: {@code lb}, or the API server's {@code api}. */
    public record Host(String namespace, String address) {
        public Host {
            requireNonNull(namespace, "namespace");
            requireNonNull(address, "address");
        }
    }

    /** Node {@code index} (1-based): its namespace, its address on the bridge, its pods' gateway and its pods. */
    public record NodePlan(int index, String namespace, String address, String podGateway, List<PodPlan> pods) {
        public NodePlan {
            requireNonNull(namespace, "namespace");
            requireNonNull(address, "address");
            requireNonNull(podGateway, "podGateway");
            pods = List.copyOf(pods);
        }

        /** This node's pod subnet, 198.19.{@code index}.0/24. */
        public String podSubnet() {
            return "198.19." + index + ".0/24";
        }
    }

    /**
     * A pod behind node {@code node}: its namespace and /32 address, and the name of its veth's node end
     * ({@code pod<k>} in the node namespace).
     */
    public record PodPlan(String name, int node, String namespace, String address, String nodeInterface) {
        public PodPlan {
            requireNonNull(name, "name");
            requireNonNull(namespace, "namespace");
            requireNonNull(address, "address");
            requireNonNull(nodeInterface, "nodeInterface");
        }
    }

    public static Builder builder(RunId runId) {
        return new Builder(runId);
    }

    /** Node {@code index}, 1-based. */
    public NodePlan node(int index) {
        if (index < 1 || index > nodes.size()) {
            throw new IllegalArgumentException("node: " + index + " (expected: 1-" + nodes.size() + ")");
        }
        return nodes.get(index - 1);
    }

    /** The pod called {@code name}, on whichever node it is. */
    public PodPlan pod(String name) {
        for (NodePlan node : nodes) {
            for (PodPlan pod : node.pods()) {
                if (pod.name().equals(name)) {
                    return pod;
                }
            }
        }
        throw new IllegalArgumentException("pod: " + name + " (expected: one of the plan's pods)");
    }

    /** Every namespace, pods first and the bridge last: the order teardown uses. */
    public List<String> namespaces() {
        List<String> all = new ArrayList<>();
        for (NodePlan node : nodes) {
            node.pods().forEach(p -> all.add(p.namespace()));
        }
        nodes.forEach(n -> all.add(n.namespace()));
        all.add(lb.namespace());
        apiServer.ifPresent(api -> all.add(api.namespace()));
        all.add(fabric);
        return all;
    }

    /** The commands that build the topology, in order; each is an argv. All of them run in the host's namespace. */
    public List<List<String>> setupCommands() {
        List<List<String>> cmds = new ArrayList<>();
        List<String> created = new ArrayList<>(namespaces());
        Collections.reverse(created);
        for (String ns : created) {
            cmds.add(List.of("ip", "netns", "add", ns));
            cmds.add(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
        }
        cmds.add(List.of("ip", "-n", fabric, "link", "add", "br0", "type", "bridge"));
        cmds.add(List.of("ip", "-n", fabric, "link", "set", "br0", "up"));
        attachToBridge(cmds, lb.namespace(), "lb", lb.address());
        apiServer.ifPresent(api -> attachToBridge(cmds, api.namespace(), "api", api.address()));
        for (NodePlan node : nodes) {
            attachToBridge(cmds, node.namespace(), "n" + node.index(), node.address());
            // Per-namespace sysctl, written from inside the namespace; sh is everywhere, sysctl(8) is not.
            cmds.add(List.of("ip", "netns", "exec", node.namespace(), "sh", "-c",
                    "echo 1 > /proc/sys/net/ipv4/ip_forward"));
            for (PodPlan pod : node.pods()) {
                cmds.add(List.of("ip", "link", "add", "eth0", "netns", pod.namespace(), "type", "veth", "peer",
                        "name", pod.nodeInterface(), "netns", node.namespace()));
                cmds.add(List.of("ip", "-n", node.namespace(), "addr", "add", node.podGateway() + "/32", "dev",
                        pod.nodeInterface()));
                cmds.add(List.of("ip", "-n", node.namespace(), "link", "set", pod.nodeInterface(), "up"));
                cmds.add(List.of("ip", "-n", node.namespace(), "route", "add", pod.address() + "/32", "dev",
                        pod.nodeInterface(), "scope", "link"));
                cmds.add(List.of("ip", "-n", pod.namespace(), "addr", "add", pod.address() + "/32", "dev", "eth0"));
                cmds.add(List.of("ip", "-n", pod.namespace(), "link", "set", "eth0", "up"));
                cmds.add(List.of("ip", "-n", pod.namespace(), "route", "add", node.podGateway() + "/32", "dev",
                        "eth0", "scope", "link"));
                cmds.add(List.of("ip", "-n", pod.namespace(), "route", "add", FABRIC_SUBNET, "via",
                        node.podGateway(), "dev", "eth0"));
            }
            if (lbRoutesToPods) {
                cmds.add(List.of("ip", "-n", lb.namespace(), "route", "add", node.podSubnet(), "via",
                        node.address(), "dev", "eth0"));
            }
        }
        return cmds;
    }

    /**
     * A POSIX shell script that removes the topology whatever state it is in: for each namespace, SIGKILL to every
     * process inside it (by pid, from {@code ip netns pids}), then {@code ip netns del}. Errors are ignored, so it
     * can run twice, or after a half-built setup.
     */
    public String teardownScript() {
        StringBuilder sb = new StringBuilder();
        for (String ns : namespaces()) {
            sb.append("for pid in $(ip netns pids ").append(ns).append(" 2>/dev/null); do kill -9 \"$pid\" ")
                    .append("2>/dev/null; done; ip netns del ").append(ns).append(" 2>/dev/null\n");
        }
        return sb.toString();
    }

    private void attachToBridge(List<List<String>> cmds, String ns, String bridgePort, String address) {
        cmds.add(List.of("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", bridgePort,
                "netns", fabric));
        cmds.add(List.of("ip", "-n", fabric, "link", "set", bridgePort, "master", "br0"));
        cmds.add(List.of("ip", "-n", fabric, "link", "set", bridgePort, "up"));
        cmds.add(List.of("ip", "-n", ns, "addr", "add", address + "/" + FABRIC_PREFIX_LENGTH, "dev", "eth0"));
        cmds.add(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
    }

    /** Builds a plan node by node: each {@link #node} call adds the next node with the named pods behind it. */
    public static final class Builder {

        private final RunId runId;
        private final List<List<String>> podsPerNode = new ArrayList<>();
        private boolean lbRoutesToPods;
        private boolean apiServerHost;

        private Builder(RunId runId) {
            this.runId = requireNonNull(runId, "runId");
        }

        /** Adds a node with these pods (none for a node without endpoints). */
        public Builder node(String... pods) {
            if (podsPerNode.size() == MAX_NODES) {
                throw new IllegalArgumentException("nodes: " + (MAX_NODES + 1) + " (expected: 1-" + MAX_NODES + ")");
            }
            if (pods.length > MAX_PODS_PER_NODE) {
                throw new IllegalArgumentException("pods of node " + (podsPerNode.size() + 1) + ": " + pods.length
                        + " (expected: 0-" + MAX_PODS_PER_NODE + ")");
            }
            for (String pod : pods) {
                requireNonNull(pod, "pod");
                if (!pod.matches("[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?")) {
                    throw new IllegalArgumentException("pod name: " + pod + " (expected: 1-32 of [a-z0-9-], "
                            + "starting and ending with a letter or digit)");
                }
            }
            podsPerNode.add(List.of(pods));
            return this;
        }

        /** Whether {@code lb} has a route to each node's pod subnet via that node (default: no). */
        public Builder lbRoutesToPods(boolean routes) {
            this.lbRoutesToPods = routes;
            return this;
        }

        /**
         * Whether the bridge also has an {@code api} namespace at 198.18.0.2, reachable from {@code lb} and every
         * node, for a test's API server (default: no).
         */
        public Builder apiServerHost(boolean api) {
            this.apiServerHost = api;
            return this;
        }

        public TopologyPlan build() {
            if (podsPerNode.isEmpty()) {
                throw new IllegalArgumentException("nodes: 0 (expected: 1-" + MAX_NODES + ")");
            }
            List<NodePlan> nodes = new ArrayList<>();
            for (int i = 1; i <= podsPerNode.size(); i++) {
                String nodeNs = runId.namespace("n" + i);
                List<PodPlan> pods = new ArrayList<>();
                List<String> names = podsPerNode.get(i - 1);
                for (int k = 1; k <= names.size(); k++) {
                    String name = names.get(k - 1);
                    pods.add(new PodPlan(name, i, runId.namespace("n" + i + "-" + name), "198.19." + i + "." + (9 + k),
                            "pod" + k));
                }
                nodes.add(new NodePlan(i, nodeNs, "198.18.0." + (10 + i), "198.19." + i + ".1", pods));
            }
            Optional<Host> api = apiServerHost ? Optional.of(new Host(runId.namespace("api"), "198.18.0.2"))
                    : Optional.empty();
            return new TopologyPlan(runId, new Host(runId.namespace("lb"), "198.18.0.1"), api, runId.namespace("sw"),
                    nodes, lbRoutesToPods);
        }
    }
}
