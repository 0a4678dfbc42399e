package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portlocal.daemon.NodeEndpointSource.PodEndpoint;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Patterns;
import dev.portlocal.testing.Waits;
import dev.portlocal.testing.netns.AgentClient;
import dev.portlocal.testing.netns.AgentClient.Outcome;
import dev.portlocal.testing.netns.AgentClient.Transfer;
import dev.portlocal.testing.netns.NetnsSupport;
import dev.portlocal.testing.netns.ProcNetTable;
import dev.portlocal.testing.netns.RunId;
import dev.portlocal.testing.netns.Topology;
import dev.portlocal.testing.netns.TopologyPlan;
import dev.portlocal.testing.netns.TopologyPlan.NodePlan;
import dev.portlocal.testing.netns.TopologyPlan.PodPlan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The product's central promise across nodes: three node namespaces, each running the real daemon, with pods behind
 * nodes 1 and 2 and none behind node 3. From the {@code lb} namespace, as a load balancer would, the test builds the
 * pool from each node's published annotation over that node's API, then checks that every endpoint answers (byte
 * for byte) through its own node's nodeIP:nodePort, that a node listens on a port if and only if its endpoint runs
 * there, that the same port on another node does not reach the endpoint, and that an endpoint moving from node 1 to
 * node 2 is followed by the pool while a connection opened before the move finishes on the old node.
 *
 * <p>Each pod answers with its own name first (TCP greeting, UDP reply prefix), so a reply proves which pod, and
 * through which node, it came from. Endpoints reach the daemons through a {@link NodeEndpointSource}: mapping files
 * here; {@link KubernetesMultiNodeIT} runs the same scenario with the Kubernetes source ({@link #newSource} and
 * {@link #pool()} are its hooks).
 *
 * <p>Skipped where network namespaces cannot be created (not root); CI runs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MultiNodeIT {

    /** The node port range: small, identical on every node, as a cluster configures it. */
    static final PortRange RANGE = new PortRange(61000, 61099);
    static final int POD_TCP_PORT = 8080;
    static final int POD_UDP_PORT = 5353;
    static final int API_PORT = 9180;
    static final long BULK = 64L * 1024 * 1024;
    static final long MOVE_TRANSFER = 16L * 1024 * 1024;
    static final String TOKEN = "multinode-it-token";
    /** Long enough for the steps after the move, which all run while the old node drains. */
    static final String DRAIN = "30s";
    static final Duration CONVERGE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final List<AgentClient> agents = new ArrayList<>();
    private final List<DaemonProcess> daemons = new ArrayList<>();
    private Topology topology;
    private TopologyPlan plan;
    private AgentClient lb;
    private NodeEndpointSource source;
    /** endpoint name -> (node index, pod) as the test has placed it. */
    private final Map<String, Placement> placed = new TreeMap<>();

    /** Where an endpoint runs: the node and the pod behind it. */
    record Placement(int node, PodPlan pod) {
    }

    /** One pool member, as the load balancer reads it from a node's annotation. */
    record Member(int fromNode, String endpoint, String nodeIp, int nodePort, String protocol, int podPort) {
    }

    /** How endpoints reach the daemons; the Kubernetes variant overrides this. */
    protected NodeEndpointSource newSource(Path root) throws IOException {
        return new MappingFileSource(root);
    }

    @BeforeAll
    void buildTheCluster() throws Exception {
        Optional<String> unavailable = NetnsSupport.unavailableReason();
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
        source = newSource(Files.createDirectories(dir.resolve("sources")));
        plan = source.layout(TopologyPlan.builder(RunId.generate())
                .node("web-0", "web-1")
                .node("web-2", "web-1b")
                .node())
                .build();
        topology = Topology.create(plan);
        source.start(topology);
        for (NodePlan node : plan.nodes()) {
            for (PodPlan pod : node.pods()) {
                AgentClient agent = agent(pod.namespace(), pod.name());
                agent.serveTcp(POD_TCP_PORT, pod.name());
                agent.serveUdp(POD_UDP_PORT, pod.name());
            }
        }
        lb = agent(plan.lb().namespace(), "lb");
        Path token = dir.resolve("api-token");
        Files.writeString(token, TOKEN + "\n");
        for (NodePlan node : plan.nodes()) {
            Path nodeDir = Files.createDirectories(dir.resolve("node-" + node.index()));
            List<String> args = new ArrayList<>(List.of("run", "--port-range", RANGE.toString(),
                    "--node-ip", node.address(), "--state-dir", nodeDir.resolve("state").toString(),
                    "--threads", "1", "--drain-timeout", DRAIN,
                    "--api", node.address() + ":" + API_PORT, "--api-token-file", token.toString()));
            args.addAll(source.daemonArgs(node));
            daemons.add(DaemonProcess.start(Topology.inNamespace(node.namespace(), List.of()),
                    nodeDir.resolve("daemon.log"), Map.of(), args.toArray(String[]::new)));
        }
        for (NodePlan node : plan.nodes()) {
            DaemonProcess daemon = daemons.get(node.index() - 1);
            Waits.until(() -> "node " + node.index() + " ready; log:\n" + daemon.output(), Duration.ofSeconds(60),
                    () -> {
                        assertTrue(daemon.isAlive(), () -> "daemon of node " + node.index() + " exited:\n"
                                + daemon.output());
                        return lb.call("http GET " + api(node, "/readyz") + " - -").startsWith("ok 200 ");
                    });
        }
        place("shop/web-0", 1, "web-0");
        place("shop/web-1", 1, "web-1");
        place("shop/web-2", 2, "web-2");
        publishAll();
        awaitPoolMatchesPlacement();
    }

    @AfterAll
    void tearDown() {
        try {
            for (DaemonProcess d : daemons) {
                d.close();
            }
            for (AgentClient a : agents) {
                a.close();
            }
            if (source != null) {
                source.close();
            }
        } finally {
            if (topology != null) {
                topology.close();
            }
        }
    }

    @Test
    @Order(1)
    void thePoolHasEveryEndpointOnceForEachProtocolFromItsOwnNode() {
        Map<String, List<Member>> pool = pool();
        assertEquals(placed.keySet(), pool.keySet(), "endpoints in the pool");
        for (Map.Entry<String, Placement> e : placed.entrySet()) {
            NodePlan node = plan.node(e.getValue().node());
            List<Member> members = pool.get(e.getKey());
            assertEquals(List.of("tcp", "udp"), members.stream().map(Member::protocol).sorted().toList(),
                    e.getKey() + ": one member per protocol: " + members);
            for (Member m : members) {
                assertEquals(node.index(), m.fromNode(), "published by its own node: " + m);
                assertEquals(node.address(), m.nodeIp(), "nodeIP is the node's --node-ip: " + m);
                assertTrue(RANGE.contains(m.nodePort()), "node port in the range: " + m);
                assertEquals(m.protocol().equals("tcp") ? POD_TCP_PORT : POD_UDP_PORT, m.podPort(), m.toString());
            }
        }
    }

    @Test
    @Order(2)
    void everyEndpointAnswersThroughItsOwnNodeByteForByte() {
        long seed = 1;
        for (Map.Entry<String, List<Member>> e : pool().entrySet()) {
            String pod = placed.get(e.getKey()).pod().name();
            Member tcp = member(e.getValue(), "tcp");
            Transfer t = lb.echo(tcp.nodeIp(), tcp.nodePort(), BULK, seed);
            assertEquals(pod, t.identity(), "the pod that answered " + tcp);
            assertEquals(BULK, t.receivedBytes(), "bytes echoed through " + tcp);
            assertEquals(HexFormat.of().formatHex(Patterns.expected(seed, BULK)), t.sentSha256(), "what was sent");
            assertEquals(t.sentSha256(), t.receivedSha256(), "SHA-256 of the echo through " + tcp);
            Member udp = member(e.getValue(), "udp");
            assertEquals(pod + " ping-" + seed, lb.udp(udp.nodeIp(), udp.nodePort(), "ping-" + seed),
                    "the UDP reply through " + udp);
            seed++;
        }
    }

    @Test
    @Order(3)
    void aNodeBindsAPortOfTheRangeIfAndOnlyIfItsEndpointRunsThere() throws Exception {
        Map<String, List<Member>> pool = pool();
        for (NodePlan node : plan.nodes()) {
            Set<Integer> tcp = new TreeSet<>();
            Set<Integer> udp = new TreeSet<>();
            pool.values().stream().flatMap(List::stream).filter(m -> m.fromNode() == node.index())
                    .forEach(m -> (m.protocol().equals("tcp") ? tcp : udp).add(m.nodePort()));
            List<ProcNetTable.Entry> sockets = topology.sockets(node.namespace());
            Set<Integer> listening = ProcNetTable.listeningTcpPorts(sockets);
            assertTrue(listening.contains(API_PORT), "node " + node.index() + ": the table shows its API: "
                    + listening);
            assertEquals(tcp, inRange(listening), "node " + node.index() + ": TCP ports listening in the range");
            assertEquals(udp, inRange(ProcNetTable.boundUdpPorts(sockets)),
                    "node " + node.index() + ": UDP ports bound in the range");
        }
        NodePlan empty = plan.node(3);
        assertTrue(empty.pods().isEmpty());
        List<ProcNetTable.Entry> sockets = topology.sockets(empty.namespace());
        assertEquals(Set.of(), inRange(ProcNetTable.listeningTcpPorts(sockets)), "node 3 has no endpoint");
        assertEquals(Set.of(), inRange(ProcNetTable.boundUdpPorts(sockets)), "node 3 has no endpoint");
    }

    @Test
    @Order(4)
    void theSameNodePortOnAnotherNodeNeverReachesTheEndpoint() {
        Map<String, List<Member>> pool = pool();
        int refused = 0;
        for (Map.Entry<String, List<Member>> e : pool.entrySet()) {
            Member own = member(e.getValue(), "tcp");
            for (NodePlan other : plan.nodes()) {
                if (other.index() == own.fromNode()) {
                    continue;
                }
                Optional<Member> sharer = owner(pool, other.index(), own.nodePort(), "tcp");
                Outcome outcome = lb.connect(other.address(), own.nodePort());
                if (sharer.isPresent()) {
                    // Nodes allocate independently, so the number may be another endpoint's there: that one answers.
                    assertEquals("ok", outcome.kind(), other.address() + ":" + own.nodePort());
                    assertEquals(placed.get(sharer.get().endpoint()).pod().name(), outcome.identity());
                    assertNotEquals(placed.get(e.getKey()).pod().name(), outcome.identity());
                } else {
                    assertTrue(outcome.refused(), other.address() + ":" + own.nodePort() + " for " + e.getKey()
                            + ": " + outcome);
                    refused++;
                }
                Member ownUdp = member(e.getValue(), "udp");
                if (owner(pool, other.index(), ownUdp.nodePort(), "udp").isEmpty()) {
                    assertEquals("refused", lb.udp(other.address(), ownUdp.nodePort(), "stray"),
                            other.address() + ":" + ownUdp.nodePort() + "/udp for " + e.getKey());
                }
            }
        }
        assertTrue(refused >= placed.size(), "node 3 alone refuses every endpoint's port: " + refused);
    }

    @Test
    @Order(5)
    void anEndpointMovingToAnotherNodeIsFollowedAndItsOpenConnectionFinishesOnTheOldNode() throws Exception {
        Member before = member(pool().get("shop/web-1"), "tcp");
        assertEquals(1, before.fromNode());
        assertEquals("web-1", lb.open("held", before.nodeIp(), before.nodePort()));

        // The pod is deleted on node 1, then its successor (same endpoint name, new pod and IP) starts on node 2.
        placed.remove("shop/web-1");
        source.publish(plan.node(1), endpointsOf(1));
        place("shop/web-1", 2, "web-1b");
        source.publish(plan.node(2), endpointsOf(2));
        awaitPoolMatchesPlacement();

        Member after = member(pool().get("shop/web-1"), "tcp");
        assertEquals(plan.node(2).address(), after.nodeIp(), "the pool follows the endpoint to node 2");
        Waits.until("node 1 refuses " + before, CONVERGE,
                () -> lb.connect(before.nodeIp(), before.nodePort()).refused());
        assertFalse(ProcNetTable.listeningTcpPorts(topology.sockets(plan.node(1).namespace()))
                .contains(before.nodePort()), "node 1 no longer listens on " + before.nodePort());

        // The connection opened before the move is draining on node 1 and still reaches the old pod.
        Transfer held = lb.transfer("held", MOVE_TRANSFER, 7);
        assertEquals("web-1", held.identity());
        assertEquals(MOVE_TRANSFER, held.receivedBytes());
        assertEquals(held.sentSha256(), held.receivedSha256(), "the draining connection, byte for byte");

        Transfer moved = lb.echo(after.nodeIp(), after.nodePort(), MOVE_TRANSFER, 8);
        assertEquals("web-1b", moved.identity(), "the new pod answers through node 2");
        assertEquals(moved.sentSha256(), moved.receivedSha256());
        Member udp = member(pool().get("shop/web-1"), "udp");
        assertEquals("web-1b moved", lb.udp(udp.nodeIp(), udp.nodePort(), "moved"));
    }

    private AgentClient agent(String ns, String name) throws IOException, InterruptedException {
        AgentClient agent = AgentClient.start(topology, ns, dir.resolve("agent-" + name + ".log"));
        agents.add(agent);
        return agent;
    }

    private void place(String endpoint, int node, String pod) {
        placed.put(endpoint, new Placement(node, plan.pod(pod)));
    }

    private List<PodEndpoint> endpointsOf(int node) {
        return placed.entrySet().stream().filter(e -> e.getValue().node() == node)
                .map(e -> new PodEndpoint(e.getKey(), e.getValue().pod().address(), POD_TCP_PORT, POD_UDP_PORT))
                .toList();
    }

    private void publishAll() throws IOException {
        for (NodePlan node : plan.nodes()) {
            source.publish(node, endpointsOf(node.index()));
        }
    }

    /** Waits until every node publishes exactly the endpoints placed on it, each with a TCP and a UDP member. */
    private void awaitPoolMatchesPlacement() {
        Map<String, Integer> expected = new TreeMap<>();
        placed.forEach((name, p) -> expected.put(name, p.node()));
        Waits.until(() -> "pool " + expected + ", got " + pool(), CONVERGE, () -> {
            Map<String, List<Member>> pool = pool();
            Map<String, Integer> got = new TreeMap<>();
            for (Map.Entry<String, List<Member>> e : pool.entrySet()) {
                Set<Integer> nodes = e.getValue().stream().map(Member::fromNode).collect(Collectors.toSet());
                if (nodes.size() != 1 || e.getValue().size() != 2) {
                    return false;
                }
                got.put(e.getKey(), nodes.iterator().next());
            }
            return got.equals(expected);
        });
    }

    /**
     * The pool, as a load balancer controller builds it: every node's endpoints and their annotations. An endpoint
     * removed between the list and its annotation (404) is left out, as a controller would.
     */
    protected Map<String, List<Member>> pool() {
        Map<String, List<Member>> pool = new LinkedHashMap<>();
        for (NodePlan node : plan.nodes()) {
            for (JsonNode endpoint : get(node, "/v1/endpoints")) {
                String name = endpoint.get("name").asText();
                String path = "/v1/endpoints/" + name + "/annotation";
                AgentClient.HttpReply reply = lb.http("GET", api(node, path), TOKEN, null);
                if (reply.status() == 404) {
                    continue;
                }
                for (JsonNode a : parse(node, path, reply)) {
                    pool.computeIfAbsent(name, n -> new ArrayList<>()).add(new Member(node.index(), name,
                            a.get("nodeIP").asText(), a.get("nodePort").asInt(), a.get("protocol").asText(),
                            a.get("podPort").asInt()));
                }
            }
        }
        return new TreeMap<>(pool);
    }

    private JsonNode get(NodePlan node, String path) {
        return parse(node, path, lb.http("GET", api(node, path), TOKEN, null));
    }

    private JsonNode parse(NodePlan node, String path, AgentClient.HttpReply reply) {
        assertEquals(200, reply.status(), () -> "GET " + path + " on node " + node.index() + ": " + reply.body());
        try {
            return json.readTree(reply.body());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " on node " + node.index() + ": not JSON: " + reply.body(), e);
        }
    }

    private static String api(NodePlan node, String path) {
        return "http://" + node.address() + ":" + API_PORT + path;
    }

    private static Member member(List<Member> members, String protocol) {
        return members.stream().filter(m -> m.protocol().equals(protocol)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + protocol + " member in " + members));
    }

    private static Optional<Member> owner(Map<String, List<Member>> pool, int node, int nodePort, String protocol) {
        return pool.values().stream().flatMap(List::stream)
                .filter(m -> m.fromNode() == node && m.nodePort() == nodePort && m.protocol().equals(protocol))
                .findFirst();
    }

    private static Set<Integer> inRange(Set<Integer> ports) {
        return ports.stream().filter(RANGE::contains).collect(Collectors.toCollection(TreeSet::new));
    }
}
