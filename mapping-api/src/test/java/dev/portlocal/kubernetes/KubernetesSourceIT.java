package dev.portlocal.kubernetes;

import dev.portlocal.control.MappingService;
import dev.portlocal.kubernetes.testing.BindingOpener;
import dev.portlocal.kubernetes.testing.MockApiServer;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.portlocal.kubernetes.Fixtures.NODE;
import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.containerPort;
import static dev.portlocal.kubernetes.Fixtures.node;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static dev.portlocal.kubernetes.Fixtures.service;
import static dev.portlocal.kubernetes.Fixtures.servicePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes source against the mock API server (corrected where it differs from a real one), with a real
 * {@link MappingService}, its state file, and an opener that binds real sockets on loopback.
 */
@Timeout(120)
class KubernetesSourceIT {

    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String SOURCE = "portlocal";
    private static final Pattern COLLECTION = Pattern.compile("/api/v1/(pods|services|nodes)");

    @TempDir
    Path stateDir;

    private MockApiServer api;
    private KubernetesClient cluster;
    private final PortRange range = freeWindow();
    private BindingOpener opener;
    private MappingService service;
    private ScheduledExecutorService control;
    private KubernetesSource source;
    private KubernetesClient sourceClient;

    /** A window of 200 ports below the ephemeral range, moved if its first port is taken. */
    private static PortRange freeWindow() {
        for (int attempt = 0; ; attempt++) {
            int start = ThreadLocalRandom.current().nextInt(20000, 31800);
            try (ServerSocket probe = new ServerSocket(start)) {
                return new PortRange(probe.getLocalPort(), probe.getLocalPort() + 199);
            } catch (IOException e) {
                if (attempt > 20) {
                    throw new AssertionError("no free port window", e);
                }
            }
        }
    }

    @BeforeEach
    void cluster() {
        api = new MockApiServer();
        cluster = api.client();
        cluster.nodes().resource(node(NODE, address("InternalIP", "192.0.2.10"),
                address("ExternalIP", "198.51.100.7"))).create();
        cluster.nodes().resource(node("node-b", address("InternalIP", "192.0.2.11"))).create();
    }

    @AfterEach
    void tearDown() throws Exception {
        stopSource();
        cluster.close();
        api.close();
    }

    private void startSource(Path dir) throws Exception {
        opener = new BindingOpener();
        service = new MappingService(range, opener, new StateStore(dir));
        control = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-control"));
        control.submit(service::restore).get();
        sourceClient = api.client(SOURCE);
        source = new KubernetesSource(sourceClient, new KubernetesOptions(NODE, Duration.ofMillis(200), 4,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))), service, control);
        source.start();
    }

    private void stopSource() throws Exception {
        if (source != null) {
            source.close();
            control.submit(service::close).get();
            control.shutdownNow();
            sourceClient.close();
            opener.close();
            source = null;
        }
    }

    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private Pod create(Pod pod) {
        return cluster.pods().resource(pod).create();
    }

    private Service create(Service service) {
        return cluster.services().resource(service).create();
    }

    private Optional<String> annotation(String namespace, String name) {
        Pod pod = cluster.pods().inNamespace(namespace).withName(name).get();
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return Optional.ofNullable(annotations == null ? null : annotations.get(PodAnnotation.KEY));
    }

    private Optional<MappingStatus> mapping(String endpoint, int port, Protocol protocol) {
        MappingKey key = new MappingKey(endpoint, port, protocol, IpFamily.IPv4);
        return service.mappings().stream().filter(s -> s.key().equals(key) && s.holdsPort()).findFirst();
    }

    private int nodePort(String endpoint, int port) {
        return mapping(endpoint, port, Protocol.TCP).orElseThrow().nodePort().getAsInt();
    }

    private static String json(int podPort, String nodeIp, int nodePort, String protocol) {
        return "{\"podPort\":" + podPort + ",\"nodeIP\":\"" + nodeIp + "\",\"nodePort\":" + nodePort
                + ",\"protocol\":\"" + protocol + "\",\"ipFamily\":\"IPv4\"}";
    }

    private void awaitAnnotation(String namespace, String name, String expected) throws InterruptedException {
        await(namespace + "/" + name + " annotated " + expected,
                () -> annotation(namespace, name).equals(Optional.ofNullable(expected)));
    }

    @Test
    void exactlyTheLocalPodsOfAnEnabledServiceAreMappedAndAnnotated() throws Exception {
        create(pod("shop", "web-1", WEB, "198.18.0.1"));
        create(pod("shop", "web-2", WEB, "198.18.0.2"));
        create(pod("shop", "web-3", "node-b", WEB, List.of("198.18.1.3")));
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        startSource(stateDir);

        await("two mappings", () -> mapping("shop/web-1", 8080, Protocol.TCP).isPresent()
                && mapping("shop/web-2", 8080, Protocol.TCP).isPresent());
        awaitAnnotation("shop", "web-1", "[" + json(8080, "198.51.100.7", nodePort("shop/web-1", 8080), "tcp")
                + "]");
        awaitAnnotation("shop", "web-2", "[" + json(8080, "198.51.100.7", nodePort("shop/web-2", 8080), "tcp")
                + "]");
        await("ready", source::ready);

        assertEquals(2, source.metrics().podsSeen(), "the informer sees this node's Pods only");
        assertEquals(Optional.empty(), annotation("shop", "web-3"));
        assertEquals(2, service.mappings().size(), service.mappings().toString());
        assertEquals(2, opener.openMappings().size());
        assertTrue(service.mappings().stream().allMatch(s -> s.source() == Source.KUBERNETES));
        assertEquals(1, source.metrics().servicesEnabled());
        assertEquals(2, source.metrics().podsMapped());
        await("patches counted", () -> source.metrics().patchesSent() == 2);
        assertEquals(0, api.dispatcher().calls("PATCH /api/v1/namespaces/shop/pods/web-3/status"));
    }

    @Test
    void changesOfServicesAndPodsReachMappingsAndAnnotations() throws Exception {
        create(pod("shop", "web-1", WEB, "198.18.0.1", containerPort("http", 8080, "TCP"),
                containerPort("dns", 5353, "UDP")));
        startSource(stateDir);
        await("ready", source::ready);
        assertEquals(Optional.empty(), annotation("shop", "web-1"));

        Service web = create(service("shop", "web", WEB, servicePort(80, "http", "TCP"),
                servicePort(53, 5353, "UDP")));
        create(service("shop", "web-alt", WEB, servicePort(8080, 8080, "TCP")));
        await("tcp and udp", () -> mapping("shop/web-1", 8080, Protocol.TCP).isPresent()
                && mapping("shop/web-1", 5353, Protocol.UDP).isPresent());
        int tcp = nodePort("shop/web-1", 8080);
        int udp = mapping("shop/web-1", 5353, Protocol.UDP).orElseThrow().nodePort().getAsInt();
        awaitAnnotation("shop", "web-1", "[" + json(5353, "198.51.100.7", udp, "udp") + ","
                + json(8080, "198.51.100.7", tcp, "tcp") + "]");
        assertEquals(2, service.mappings().size(), "two Services sharing 8080/tcp share one mapping");

        // The Pod's IP changes under the same name: the node port stays.
        Pod moved = cluster.pods().inNamespace("shop").withName("web-1").get();
        moved.getStatus().setPodIP("198.18.0.9");
        moved.getStatus().getPodIPs().get(0).setIp("198.18.0.9");
        cluster.pods().resource(moved).updateStatus();
        await("retargeted", () -> mapping("shop/web-1", 8080, Protocol.TCP)
                .map(s -> s.target().getAddress().getHostAddress().equals("198.18.0.9")).orElse(false));
        assertEquals(tcp, nodePort("shop/web-1", 8080));

        // Not ready: the port is held (refusing, as a not-ready Pod behind NPL would), readiness carried.
        Pod notReady = cluster.pods().inNamespace("shop").withName("web-1").get();
        notReady.getStatus().getConditions().get(0).setStatus("False");
        cluster.pods().resource(notReady).updateStatus();
        await("not ready", () -> mapping("shop/web-1", 8080, Protocol.TCP).map(s -> !s.ready()).orElse(false));
        assertEquals(tcp, nodePort("shop/web-1", 8080));
        assertEquals(dev.portlocal.model.MappingState.NOT_READY,
                mapping("shop/web-1", 8080, Protocol.TCP).orElseThrow().state());
        assertFalse(opener.openMappings().values().stream().filter(m -> m.key().endpoint().equals("shop/web-1")
                && m.protocol() == Protocol.TCP).findFirst().orElseThrow().ready(), "the data plane is told");

        // The opt-in removed from both Services: the mappings go and so does the annotation.
        cluster.services().resource(new ServiceBuilder(web).editMetadata().withAnnotations(Map.of()).endMetadata()
                .build()).update();
        cluster.services().inNamespace("shop").withName("web-alt").delete();
        await("unmapped", () -> service.mappings().isEmpty());
        awaitAnnotation("shop", "web-1", null);
        assertEquals(Map.of(), opener.openMappings());
    }

    @Test
    void deletedOrFailedPodsAreReleased() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(pod("shop", "web-1", WEB, "198.18.0.1"));
        create(pod("shop", "web-2", WEB, "198.18.0.2"));
        startSource(stateDir);
        await("both annotated", () -> annotation("shop", "web-1").isPresent()
                && annotation("shop", "web-2").isPresent());

        cluster.pods().inNamespace("shop").withName("web-1").delete();
        Pod failed = cluster.pods().inNamespace("shop").withName("web-2").get();
        failed.getStatus().setPhase("Failed");
        cluster.pods().resource(failed).updateStatus();

        await("released", () -> service.mappings().isEmpty());
        awaitAnnotation("shop", "web-2", null);
        assertEquals(Map.of(), opener.openMappings());
    }

    @Test
    void aHostPortIsPublishedWithoutAListener() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(pod("shop", "web-1", WEB, "198.18.0.1", Fixtures.hostPort(8080, 30080)));
        startSource(stateDir);

        awaitAnnotation("shop", "web-1", "[" + json(8080, "198.51.100.7", 30080, "tcp") + "]");
        assertEquals(List.of(), service.mappings());
    }

    @Test
    void pinnedPortsAreHonoured() throws Exception {
        int pin = range.start() + 150;
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(new PodBuilder(pod("shop", "web-1", WEB, "198.18.0.1")).editMetadata()
                .addToAnnotations(PortPins.KEY, "8080=" + pin).endMetadata().build());
        startSource(stateDir);

        awaitAnnotation("shop", "web-1", "[" + json(8080, "198.51.100.7", pin, "tcp") + "]");
        assertEquals(OptionalInt.of(pin), mapping("shop/web-1", 8080, Protocol.TCP).orElseThrow().nodePort());
    }

    @Test
    void aRestartKeepsThePortsWithOrWithoutTheStateDirectory() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        for (int i = 1; i <= 3; i++) {
            create(pod("shop", "web-" + i, WEB, "198.18.0." + i));
        }
        startSource(stateDir);
        await("annotated", () -> annotation("shop", "web-3").isPresent() && annotation("shop", "web-1").isPresent()
                && annotation("shop", "web-2").isPresent());
        Map<String, Integer> ports = Map.of("shop/web-1", nodePort("shop/web-1", 8080),
                "shop/web-2", nodePort("shop/web-2", 8080), "shop/web-3", nodePort("shop/web-3", 8080));
        stopSource();

        // Same state directory.
        startSource(stateDir);
        await("restored", () -> ports.keySet().stream().allMatch(p -> mapping(p, 8080, Protocol.TCP).isPresent()));
        ports.forEach((pod, port) -> assertEquals(port, nodePort(pod, 8080), pod));
        await("ready", source::ready);
        stopSource();

        // A lost state directory: the ports come back from the Pods' annotations; a hand-edited one out of range
        // is dropped and re-allocated, and its annotation rewritten.
        // A patch of the stopped source may still land after our read: retry on the conflict, as any client does.
        for (int attempt = 1; ; attempt++) {
            Pod edited = cluster.pods().inNamespace("shop").withName("web-3").get();
            edited.getMetadata().getAnnotations().put(PodAnnotation.KEY, "[" + json(8080, "198.51.100.7", 1, "tcp")
                    + "]");
            try {
                cluster.pods().resource(edited).update();
                break;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
        Path empty = Files.createDirectory(stateDir.resolve("lost"));
        startSource(empty);
        await("ready", source::ready);
        assertEquals(ports.get("shop/web-1"), nodePort("shop/web-1", 8080));
        assertEquals(ports.get("shop/web-2"), nodePort("shop/web-2", 8080));
        int reallocated = nodePort("shop/web-3", 8080);
        assertTrue(range.contains(reallocated));
        assertNotEquals(ports.get("shop/web-1"), reallocated);
        assertNotEquals(ports.get("shop/web-2"), reallocated);
        awaitAnnotation("shop", "web-3", "[" + json(8080, "198.51.100.7", reallocated, "tcp") + "]");
    }

    @Test
    void unparsableAnnotationsNeverStopTheStartAndAreRewritten() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(new PodBuilder(pod("shop", "web-1", WEB, "198.18.0.1")).editMetadata()
                .addToAnnotations(PodAnnotation.KEY, "{not json").endMetadata().build());
        create(new PodBuilder(pod("shop", "stray", Map.of("app", "other"), "198.18.0.2")).editMetadata()
                .addToAnnotations(PodAnnotation.KEY, "[" + json(80, "198.51.100.7", range.start(), "tcp") + "]")
                .endMetadata().build());
        startSource(stateDir);

        await("mapped", () -> mapping("shop/web-1", 8080, Protocol.TCP).isPresent());
        awaitAnnotation("shop", "web-1", "[" + json(8080, "198.51.100.7", nodePort("shop/web-1", 8080), "tcp")
                + "]");
        awaitAnnotation("shop", "stray", null);
    }

    @Test
    void aWatchEndingIn410GoneResyncs() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        startSource(stateDir);
        await("ready", source::ready);
        await("watching", () -> api.dispatcher().openWatches() == 3);
        int lists = api.dispatcher().calls("GET /api/v1/pods");

        assertTrue(api.dispatcher().expireWatches() >= 3, "pods, services and node are watched");
        await("relisted", () -> api.dispatcher().calls("GET /api/v1/pods") > lists);
        create(pod("shop", "web-1", WEB, "198.18.0.1"));

        await("the new Pod is seen", () -> annotation("shop", "web-1").isPresent());
    }

    @Test
    void anUnreachableApiServerReleasesNothing() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(pod("shop", "web-1", WEB, "198.18.0.1"));
        startSource(stateDir);
        await("annotated", () -> annotation("shop", "web-1").isPresent());
        int port = nodePort("shop/web-1", 8080);

        api.stop();
        Thread.sleep(3000); // an outage is a span of time: the informers fail and retry meanwhile
        assertEquals(port, nodePort("shop/web-1", 8080));
        assertEquals(1, opener.openMappings().size());
        api.start();

        create(pod("shop", "web-2", WEB, "198.18.0.2"));
        await("the informers came back", () -> annotation("shop", "web-2").isPresent());
        assertEquals(port, nodePort("shop/web-1", 8080));
        assertFalse(service.mappings().isEmpty());
    }

    @Test
    void nothingIsMappedBeforeTheNodeHasAnIp() throws Exception {
        cluster.nodes().withName(NODE).delete();
        cluster.nodes().resource(node(NODE, address("Hostname", "node-a"))).create();
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(pod("shop", "web-1", WEB, "198.18.0.1"));
        startSource(stateDir);
        await("synced", () -> source.metrics().synced(KubernetesMetrics.Resource.NODE)
                && source.metrics().podsSeen() == 1);
        Thread.sleep(500); // a span in which nothing may happen; the next step proves the source is live
        assertEquals(List.of(), service.mappings());
        assertFalse(source.ready());

        cluster.nodes().resource(node(NODE, address("InternalIP", "192.0.2.10"))).update();
        await("mapped", () -> mapping("shop/web-1", 8080, Protocol.TCP).isPresent());
        awaitAnnotation("shop", "web-1", "[" + json(8080, "192.0.2.10", nodePort("shop/web-1", 8080), "tcp")
                + "]");
        assertTrue(source.ready());
        control.submit(() -> { }).get(1, TimeUnit.SECONDS);
    }

    @Test
    void everyCallTheSourceMakesIsGrantedByTheClusterRole() throws Exception {
        create(service("shop", "web", WEB, servicePort(80, 8080, "TCP")));
        create(pod("shop", "web-1", WEB, "198.18.0.1"));
        startSource(stateDir);
        await("annotated", () -> annotation("shop", "web-1").isPresent());
        cluster.services().inNamespace("shop").withName("web").delete();
        awaitAnnotation("shop", "web-1", null);
        await("watching", () -> api.dispatcher().openWatches() == 3);
        api.dispatcher().expireWatches();
        await("relisted", () -> api.dispatcher().calls("GET /api/v1/pods") > 1);

        Map<String, Set<String>> used = new TreeMap<>();
        for (String shape : api.dispatcher().callShapes(SOURCE)) {
            String[] call = rbac(shape);
            used.computeIfAbsent(call[0], r -> new TreeSet<>()).add(call[1]);
        }
        assertEquals(Map.of("pods", Set.of("list", "watch"), "pods/status", Set.of("patch"),
                "services", Set.of("list", "watch"), "nodes", Set.of("list", "watch")), used);
        Map<String, Set<String>> granted = DeployManifestsTest.grants();
        used.forEach((resource, verbs) -> assertTrue(granted.getOrDefault(resource, Set.of()).containsAll(verbs),
                resource + " " + verbs + " granted by " + granted));
    }

    /** The (resource, verb) an API request needs, as RBAC names them. */
    private static String[] rbac(String shape) {
        String[] parts = shape.split(" ");
        String method = parts[0];
        String path = parts[1];
        boolean watch = parts.length > 2;
        Matcher collection = COLLECTION.matcher(path);
        if (method.equals("GET") && collection.matches()) {
            return new String[] {collection.group(1), watch ? "watch" : "list"};
        }
        if (method.equals("PATCH") && path.matches("/api/v1/namespaces/[^/]+/pods/[^/]+/status")) {
            return new String[] {"pods/status", "patch"};
        }
        throw new AssertionError("a call the source was not expected to make: " + shape);
    }
}
