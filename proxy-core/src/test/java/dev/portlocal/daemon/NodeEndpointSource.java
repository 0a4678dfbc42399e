package dev.portlocal.daemon;

import dev.portlocal.testing.netns.TopologyPlan.NodePlan;

import java.io.IOException;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Where one node's daemon learns which endpoints run on that node, for {@link MultiNodeIT}: a mapping file per node
 * ({@link MappingFileSource}) today. The Kubernetes source plugs in here when it lands: its {@code daemonArgs} point
 * the daemon at the mock API server with the node's name, and {@code publish} creates and deletes Pods bound to that
 * node (and the annotated Service selecting them); the scenario stays the same.
 */
interface NodeEndpointSource {

    /** The daemon arguments that connect node {@code node}'s daemon to this source, with no endpoints yet. */
    List<String> daemonArgs(NodePlan node) throws IOException;

    /** Makes {@code endpoints} the whole desired set of node {@code node}; the daemon applies it on its own. */
    void publish(NodePlan node, List<PodEndpoint> endpoints) throws IOException;

    /** A pod's endpoint: its name ({@code namespace/pod}), address, and the TCP and UDP ports it serves. */
    record PodEndpoint(String name, String ip, int tcpPort, int udpPort) {
        public PodEndpoint {
            requireNonNull(name, "name");
            requireNonNull(ip, "ip");
        }
    }
}
