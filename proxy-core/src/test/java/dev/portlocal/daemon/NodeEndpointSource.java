package dev.portlocal.daemon;

import dev.portlocal.testing.netns.Topology;
import dev.portlocal.testing.netns.TopologyPlan;
import dev.portlocal.testing.netns.TopologyPlan.NodePlan;

import java.io.IOException;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Where one node's daemon learns which endpoints run on that node, for {@link MultiNodeIT}: a mapping file per node
 * ({@link MappingFileSource}), or Pods on an API server ({@link KubernetesPodSource}): its {@code daemonArgs} point
 * the daemon at the API server with the node's name, and {@code publish} creates and deletes Pods bound to that
 * node (the annotated Service selecting them exists from the start); the scenario stays the same.
 *
 * <p>Order of calls: {@link #layout}, then {@link #start} once the topology exists, then {@link #daemonArgs} for
 * each node before its daemon starts, then {@link #publish} any number of times, and {@link #close} last.
 */
interface NodeEndpointSource extends AutoCloseable {

    /** Adds what this source needs to the cluster's layout before it is built; mapping files need nothing. */
    default TopologyPlan.Builder layout(TopologyPlan.Builder cluster) {
        return cluster;
    }

    /** Starts what this source runs inside the topology, before any daemon starts; mapping files run nothing. */
    default void start(Topology topology) throws IOException, InterruptedException {
    }

    /** The daemon arguments that connect node {@code node}'s daemon to this source, with no endpoints yet. */
    List<String> daemonArgs(NodePlan node) throws IOException;

    /** Makes {@code endpoints} the whole desired set of node {@code node}; the daemon applies it on its own. */
    void publish(NodePlan node, List<PodEndpoint> endpoints) throws IOException;

    /** Stops what {@link #start} started; the topology's teardown removes what is left in the namespaces. */
    @Override
    default void close() {
    }

    /** A pod's endpoint: its name ({@code namespace/pod}), address, and the TCP and UDP ports it serves. */
    record PodEndpoint(String name, String ip, int tcpPort, int udpPort) {
        public PodEndpoint {
            requireNonNull(name, "name");
            requireNonNull(ip, "ip");
        }
    }
}
