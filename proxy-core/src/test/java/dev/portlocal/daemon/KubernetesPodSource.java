package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portlocal.daemon.MultiNodeIT.Member;
import dev.portlocal.kubernetes.testing.MockApiServer;
import dev.portlocal.testing.netns.AgentClient;
import dev.portlocal.testing.netns.Relay;
import dev.portlocal.testing.netns.Topology;
import dev.portlocal.testing.netns.TopologyPlan;
import dev.portlocal.testing.netns.TopologyPlan.Host;
import dev.portlocal.testing.netns.TopologyPlan.NodePlan;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.containerPort;
import static dev.portlocal.kubernetes.Fixtures.node;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static dev.portlocal.kubernetes.Fixtures.service;
import static dev.portlocal.kubernetes.Fixtures.servicePort;
import static java.util.Objects.requireNonNull;

/**
 * Endpoints as Pods on one API server shared by every node's daemon: fabric8's mock server in CRUD mode
 * ({@link MockApiServer}, corrected where it differs from a real API server), standing in for the cluster's API
 * server. It holds Node objects {@code node-1..N} (InternalIP: the node namespace's address), one Service
 * {@code shop/web} annotated {@code nodeportlocal.antrea.io/enabled: "true"} that selects {@code app=web} on the pods'
 * TCP and UDP ports, and a Pod per endpoint ({@code spec.nodeName}, {@code status.podIP}: the pod namespace's
 * address, Ready). Each daemon runs {@code --kubernetes} with its node's name and writes the
 * {@code nodeportlocal.antrea.io} annotation on its Pods; {@link #pool()} reads the pool back from those annotations.
 *
 * <p>How the daemons reach it without leaving what the test created: the mock listens on this JVM's loopback; a
 * {@link Relay} carries connections from a Unix socket under {@code root} to it; and an agent in the topology's
 * {@code api} namespace (198.18.0.2, on the nodes' bridge) accepts on port {@value #API_PORT} and relays to that
 * socket. The daemons' kubeconfig names {@code http://198.18.0.2:6443}. The host's network namespace gets no
 * address, interface or route.
 *
 * <p>A moved endpoint keeps its Pod's name: {@link #publish} deletes {@code shop/web-1} on node 1 and, when node 2's
 * set is published, creates a new Pod of the same name there with the new address, as a StatefulSet does.
 */
final class KubernetesPodSource implements NodeEndpointSource {

    static final int API_PORT = 6443;
    static final String NAMESPACE = "shop";
    static final String SERVICE = "web";
    /** The annotation an LB controller reads, spelled out here as a controller has it. */
    static final String NPL_ANNOTATION = "nodeportlocal.antrea.io";
    private static final Map<String, String> LABELS = Map.of("app", "web");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final int tcpPort;
    private final int udpPort;
    /** Endpoint name to the pod it has now: on which node, with which address. */
    private final Map<String, Placed> pods = new TreeMap<>();
    private MockApiServer api;
    private KubernetesClient cluster;
    private Relay relay;
    private AgentClient apiHost;
    private Path kubeconfig;

    private record Placed(int node, String ip) {
    }

    KubernetesPodSource(Path root, int tcpPort, int udpPort) {
        this.root = requireNonNull(root, "root");
        this.tcpPort = tcpPort;
        this.udpPort = udpPort;
    }

    @Override
    public TopologyPlan.Builder layout(TopologyPlan.Builder cluster) {
        return cluster.apiServerHost(true);
    }

    @Override
    public void start(Topology topology) throws IOException, InterruptedException {
        Host host = topology.plan().apiServer().orElseThrow(() -> new IllegalStateException(
                "apiServer: none (expected: the plan built with layout(), which adds the api namespace)"));
        api = new MockApiServer();
        cluster = api.client();
        Path socket = root.resolve("api.sock");
        relay = Relay.start(UnixDomainSocketAddress.of(socket),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), api.port()));
        apiHost = AgentClient.start(topology, host.namespace(), root.resolve("agent-api.log"));
        apiHost.relayToUnixSocket(API_PORT, socket);
        kubeconfig = root.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: multinode
                    cluster:
                      server: http://%s:%d
                contexts:
                  - name: multinode
                    context:
                      cluster: multinode
                      user: portlocal
                current-context: multinode
                users:
                  - name: portlocal
                    user:
                      token: multinode-it-token
                """.formatted(host.address(), API_PORT));
        cluster.services().resource(service(NAMESPACE, SERVICE, LABELS, servicePort(80, tcpPort, "TCP"),
                servicePort(53, udpPort, "UDP"))).create();
    }

    @Override
    public List<String> daemonArgs(NodePlan node) {
        cluster.nodes().resource(node(nodeName(node.index()), address("InternalIP", node.address()))).create();
        return List.of("--kubernetes", "--kubernetes-node-name", nodeName(node.index()),
                "--kubernetes-kubeconfig", kubeconfig.toString());
    }

    @Override
    public void publish(NodePlan node, List<PodEndpoint> endpoints) {
        Map<String, PodEndpoint> wanted = new TreeMap<>();
        endpoints.forEach(e -> wanted.put(e.name(), e));
        for (Map.Entry<String, Placed> e : List.copyOf(pods.entrySet())) {
            PodEndpoint want = wanted.get(e.getKey());
            if (e.getValue().node() == node.index() && (want == null || !want.ip().equals(e.getValue().ip()))) {
                delete(e.getKey());
            }
        }
        for (PodEndpoint e : endpoints) {
            Placed now = pods.get(e.name());
            if (now != null && now.node() != node.index()) {
                throw new IllegalStateException("pod " + e.name() + ": on node-" + now.node() + " (expected: deleted "
                        + "there before it is created on " + nodeName(node.index()) + ")");
            }
            if (now == null) {
                create(node.index(), e);
            }
        }
    }

    private void create(int node, PodEndpoint e) {
        if (e.tcpPort() != tcpPort || e.udpPort() != udpPort) {
            throw new IllegalArgumentException("ports of " + e.name() + ": " + e.tcpPort() + "/tcp " + e.udpPort()
                    + "/udp (expected: the Service's target ports " + tcpPort + "/tcp " + udpPort + "/udp)");
        }
        String[] name = split(e.name());
        cluster.pods().resource(pod(name[0], name[1], nodeName(node), LABELS, List.of(e.ip()),
                containerPort("app", tcpPort, "TCP"), containerPort("app-udp", udpPort, "UDP"))).create();
        pods.put(e.name(), new Placed(node, e.ip()));
    }

    private void delete(String endpoint) {
        String[] name = split(endpoint);
        cluster.pods().inNamespace(name[0]).withName(name[1]).delete();
        if (cluster.pods().inNamespace(name[0]).withName(name[1]).get() != null) {
            throw new IllegalStateException("pod " + endpoint + ": still on the API server after its delete");
        }
        pods.remove(endpoint);
    }

    /**
     * The pool as a load balancer controller (AKO) builds it with NodePortLocal: for each Pod the Service selects,
     * the annotation's entry for each Service target port gives a member {@code nodeIP:nodePort}; the Pod's
     * {@code spec.nodeName} is the node that published it. Pods without the annotation yet are left out.
     */
    Map<String, List<Member>> pool() {
        Service svc = cluster.services().inNamespace(NAMESPACE).withName(SERVICE).get();
        Map<String, List<Member>> pool = new TreeMap<>();
        for (Pod p : cluster.pods().inNamespace(NAMESPACE).withLabels(svc.getSpec().getSelector()).list()
                .getItems()) {
            Map<String, String> annotations = p.getMetadata().getAnnotations();
            String value = annotations == null ? null : annotations.get(NPL_ANNOTATION);
            if (value == null) {
                continue;
            }
            String endpoint = NAMESPACE + "/" + p.getMetadata().getName();
            JsonNode entries = parse(endpoint, value);
            for (ServicePort sp : svc.getSpec().getPorts()) {
                int target = sp.getTargetPort().getIntVal();
                for (JsonNode a : entries) {
                    if (a.path("podPort").asInt() == target
                            && a.path("protocol").asText().equalsIgnoreCase(sp.getProtocol())) {
                        pool.computeIfAbsent(endpoint, k -> new ArrayList<>()).add(new Member(
                                nodeIndex(p.getSpec().getNodeName()), endpoint, a.path("nodeIP").asText(),
                                a.path("nodePort").asInt(), a.path("protocol").asText(), target));
                    }
                }
            }
        }
        return pool;
    }

    /** Closes in the reverse order of {@link #start}: the agent in the namespace, the relay, the client, the server. */
    @Override
    public void close() {
        for (AutoCloseable c : Arrays.asList(apiHost, relay, cluster, api)) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException("close: " + c, e);
            }
        }
    }

    static String nodeName(int index) {
        return "node-" + index;
    }

    private static int nodeIndex(String nodeName) {
        if (nodeName == null || !nodeName.matches("node-[1-9][0-9]*")) {
            throw new AssertionError("spec.nodeName: " + nodeName + " (expected: node-<index>)");
        }
        return Integer.parseInt(nodeName.substring("node-".length()));
    }

    private static String[] split(String endpoint) {
        String[] parts = endpoint.split("/", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("endpoint: " + endpoint + " (expected: namespace/pod)");
        }
        return parts;
    }

    private static JsonNode parse(String endpoint, String value) {
        try {
            JsonNode node = JSON.readTree(value);
            if (!node.isArray()) {
                throw new AssertionError(NPL_ANNOTATION + " of " + endpoint + ": " + value + " (expected: a JSON "
                        + "array)");
            }
            return node;
        } catch (IOException e) {
            throw new AssertionError(NPL_ANNOTATION + " of " + endpoint + ": not JSON: " + value, e);
        }
    }
}
