package dev.portlocal.bench.runner;

import dev.portlocal.testing.netns.Topology;
import dev.portlocal.testing.netns.TopologyPlan;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where a run's processes live and how they reach each other. On loopback everything shares 127.0.0.1 and the host's
 * namespace. Over veth ({@code --topology netns}) the generator is in {@code lb}, every proxy and the kernel DNAT
 * rules are in node 1's namespace (listening on the node's address), and the backends are in a pod namespace behind
 * it; direct is {@code lb} routing to the pod's address through the node.
 *
 * @param backendHost where the backends listen, and where proxies forward to
 * @param proxyHost where the proxies listen, and where the generator connects to them
 * @param backendNamespace the backends' namespace, empty on loopback
 * @param proxyNamespace the proxies' namespace, empty on loopback
 */
record Placement(String name, String backendHost, String proxyHost, Optional<String> backendNamespace,
        Optional<String> proxyNamespace) {

    Placement {
        requireNonNull(name, "name");
        requireNonNull(backendHost, "backendHost");
        requireNonNull(proxyHost, "proxyHost");
        requireNonNull(backendNamespace, "backendNamespace");
        requireNonNull(proxyNamespace, "proxyNamespace");
    }

    static Placement loopback() {
        return new Placement("loopback", "127.0.0.1", "127.0.0.1", Optional.empty(), Optional.empty());
    }

    /** The bench's layout on a topology: node 1 runs the proxies, its first pod the backends. */
    static Placement netns(TopologyPlan plan) {
        TopologyPlan.NodePlan node = plan.node(1);
        TopologyPlan.PodPlan pod = node.pods().get(0);
        return new Placement("netns", pod.address(), node.address(), Optional.of(pod.namespace()),
                Optional.of(node.namespace()));
    }

    boolean isNetns() {
        return proxyNamespace.isPresent();
    }

    InetSocketAddress backend(int port) {
        return new InetSocketAddress(backendHost, port);
    }

    InetSocketAddress proxy(int port) {
        return new InetSocketAddress(proxyHost, port);
    }

    /** {@code cmd} as run in the backends' namespace. */
    List<String> inBackend(List<String> cmd) {
        return backendNamespace.map(ns -> Topology.inNamespace(ns, cmd)).orElseGet(() -> new ArrayList<>(cmd));
    }

    /** {@code cmd} as run in the proxies' namespace. */
    List<String> inProxy(List<String> cmd) {
        return proxyNamespace.map(ns -> Topology.inNamespace(ns, cmd)).orElseGet(() -> new ArrayList<>(cmd));
    }
}
