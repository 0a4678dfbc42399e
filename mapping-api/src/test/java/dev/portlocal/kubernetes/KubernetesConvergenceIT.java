package dev.portlocal.kubernetes;

import dev.portlocal.control.MappingService;
import dev.portlocal.kubernetes.testing.BindingOpener;
import dev.portlocal.kubernetes.testing.MockApiServer;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import static dev.portlocal.kubernetes.Fixtures.NODE;
import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.containerPort;
import static dev.portlocal.kubernetes.Fixtures.node;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static dev.portlocal.kubernetes.Fixtures.service;
import static dev.portlocal.kubernetes.Fixtures.servicePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convergence at scale, on the mock API server: 1,000 local Pods (and 100 on another node) behind 50 Services,
 * every tenth Service with a UDP port too. Asserts that everything converges (each local Pod annotated with the
 * node ports that are bound, nothing on the other node's Pods) and records how long it took, without asserting
 * on the time: the figures go to the log ({@code kubernetes_convergence}) and to
 * {@code target/kubernetes-convergence.txt}. Run alone with
 * {@code mvn -B -q -pl mapping-api verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=KubernetesConvergenceIT -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@Timeout(300)
class KubernetesConvergenceIT {

    private static final Logger log = LoggerFactory.getLogger(KubernetesConvergenceIT.class);
    private static final int SERVICES = 50;
    private static final int PODS_PER_SERVICE = 20;
    private static final int REMOTE_PODS = 100;

    @TempDir
    Path stateDir;

    private static PortRange freeWindow() {
        for (int attempt = 0; ; attempt++) {
            int start = ThreadLocalRandom.current().nextInt(20000, 29000);
            try (ServerSocket probe = new ServerSocket(start)) {
                return new PortRange(probe.getLocalPort(), probe.getLocalPort() + 2999);
            } catch (IOException e) {
                if (attempt > 20) {
                    throw new AssertionError("no free port window", e);
                }
            }
        }
    }

    private static long await(String what, long startNanos, BooleanSupplier condition) throws InterruptedException {
        long deadline = startNanos + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The defaults; {@code -Dk8s.patchThreads=N} in the test JVM tries another count of patch threads. */
    private static KubernetesOptions options() {
        return new KubernetesOptions(NODE, KubernetesOptions.DEFAULT_PUBLISH_INTERVAL,
                Integer.getInteger("k8s.patchThreads", KubernetesOptions.DEFAULT_PATCH_THREADS), Backoff.NPL);
    }

    private static String ip(int i) {
        return "198.18." + (i / 250) + "." + (i % 250 + 1);
    }

    @Test
    void thousandPodsFiftyServicesConverge() throws Exception {
        // The test JVM tracks every Netty buffer at the paranoid level, a stack trace per access; the only Netty
        // here is the mock server's (Vert.x), whose CPU it raised by 40%. Not what is measured: off for this test.
        ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            converge();
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    private void converge() throws Exception {
        PortRange range = freeWindow();
        try (MockApiServer api = new MockApiServer(); KubernetesClient cluster = api.client();
             BindingOpener opener = new BindingOpener()) {
            cluster.nodes().resource(node(NODE, address("InternalIP", "192.0.2.10"))).create();
            for (int s = 0; s < SERVICES; s++) {
                List<ServicePort> ports = new ArrayList<>(List.of(servicePort(80, "http", "TCP")));
                if (s % 10 == 0) {
                    ports.add(servicePort(53, 5353, "UDP"));
                }
                cluster.services().resource(service("ns-" + (s % 5), "svc-" + s, Map.of("app", "svc-" + s),
                        ports.toArray(new ServicePort[0]))).create();
                for (int p = 0; p < PODS_PER_SERVICE; p++) {
                    int i = s * PODS_PER_SERVICE + p;
                    cluster.pods().resource(pod("ns-" + (s % 5), "pod-" + i, Map.of("app", "svc-" + s), ip(i),
                            containerPort("http", 8080, "TCP"), containerPort("dns", 5353, "UDP"))).create();
                }
            }
            for (int r = 0; r < REMOTE_PODS; r++) {
                cluster.pods().resource(pod("ns-0", "remote-" + r, "node-b", Map.of("app", "svc-0"),
                        List.of("198.19.0." + (r + 1)))).create();
            }
            int localPods = SERVICES * PODS_PER_SERVICE;
            int expectedMappings = localPods + (SERVICES / 10) * PODS_PER_SERVICE;

            MappingService service = new MappingService(range, opener, new StateStore(stateDir));
            ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
                    r -> new Thread(r, "test-control"));
            control.submit(service::restore).get();
            try (KubernetesClient sourceClient = api.client();
                 KubernetesSource source = new KubernetesSource(sourceClient, options(), service, control)) {
                long start = System.nanoTime();
                source.start();
                long syncedMs = await("informers synced and applied", start, source::ready);
                long syncedAt = System.nanoTime();
                PhaseCost atSync = PhaseCost.now(api, source);
                long boundMs = await("every mapping bound", syncedAt,
                        () -> opener.openMappings().size() == expectedMappings);
                long annotatedMs = await("every annotation written", syncedAt,
                        () -> source.metrics().patchesSent() >= localPods
                                && source.metrics().patchesPending() == 0);
                PhaseCost patchPhase = PhaseCost.now(api, source).minus(atSync);

                Map<String, String> annotations = new HashMap<>();
                for (Pod pod : cluster.pods().inAnyNamespace().list().getItems()) {
                    Map<String, String> podAnnotations = pod.getMetadata().getAnnotations();
                    if (podAnnotations != null && podAnnotations.containsKey(PodAnnotation.KEY)) {
                        annotations.put(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(),
                                podAnnotations.get(PodAnnotation.KEY));
                    }
                }
                assertEquals(localPods, annotations.size(), "each local Pod annotated, no remote one");
                List<MappingStatus> mappings = service.mappings();
                assertEquals(expectedMappings, mappings.size());
                for (MappingStatus mapping : mappings) {
                    assertTrue(mapping.isListening() && mapping.source() == Source.KUBERNETES, mapping.toString());
                    String annotation = annotations.get(mapping.key().endpoint());
                    assertTrue(annotation.contains("\"podPort\":" + mapping.key().port() + ",\"nodeIP\":"
                            + "\"192.0.2.10\",\"nodePort\":" + mapping.nodePort().getAsInt() + ","), annotation);
                }

                // One change of a Service (a second TCP port) reaches its 20 Pods' annotations.
                long changeStart = System.nanoTime();
                Service changed = cluster.services().inNamespace("ns-1").withName("svc-1").get();
                cluster.services().resource(new ServiceBuilder(changed).editSpec()
                        .addToPorts(servicePort(81, 9090, "TCP")).endSpec().build()).update();
                long serviceChangeMs = await("the Service change in 20 annotations", changeStart,
                        () -> cluster.pods().inNamespace("ns-1").withLabel("app", "svc-1").list().getItems()
                                .stream().allMatch(p -> p.getMetadata().getAnnotations().get(PodAnnotation.KEY)
                                        .contains("\"podPort\":9090")));
                // One new Pod.
                long podStart = System.nanoTime();
                cluster.pods().resource(pod("ns-2", "new-pod", Map.of("app", "svc-2"), "198.18.9.9",
                        containerPort("http", 8080, "TCP"))).create();
                long podChangeMs = await("the new Pod annotated", podStart, () -> {
                    Pod pod = cluster.pods().inNamespace("ns-2").withName("new-pod").get();
                    return pod.getMetadata().getAnnotations() != null
                            && pod.getMetadata().getAnnotations().containsKey(PodAnnotation.KEY);
                });

                // What one pods/status patch costs on this mock server, loaded as above: the floor of the
                // annotation time, since the mock serves one request at a time.
                int probes = 100;
                long probeStart = System.nanoTime();
                for (int i = 0; i < probes; i++) {
                    cluster.pods().inNamespace("ns-3").withName("pod-" + (60 + i % 20)).subresource("status")
                            .patch(PatchContext.of(PatchType.JSON_MERGE),
                                    "{\"metadata\":{\"annotations\":{\"probe\":\"" + i + "\"}}}");
                }
                double patchMs = (System.nanoTime() - probeStart) / 1e6 / probes;

                String result = "pods=" + localPods + " remotePods=" + REMOTE_PODS + " services=" + SERVICES
                        + " mappings=" + expectedMappings + " syncedMs=" + syncedMs
                        + " boundAfterSyncMs=" + boundMs + " annotatedAfterSyncMs=" + annotatedMs
                        + " serviceChangeMs=" + serviceChangeMs + " podChangeMs=" + podChangeMs
                        + " patchesSent=" + source.metrics().patchesSent()
                        + " patchesFailed=" + source.metrics().patchesFailed()
                        + " reconciles=" + source.metrics().reconciles()
                        + " mockPatchMs=" + String.format(Locale.ROOT, "%.1f", patchMs)
                        + " " + patchPhase.describe();
                log.atInfo().setMessage("kubernetes_convergence")
                        .addKeyValue("result", result)
                        .log();
                Files.writeString(Path.of(System.getProperty("basedir", "."), "target",
                        "kubernetes-convergence.txt"), result + "\n");
            } finally {
                control.submit(service::close).get();
                control.shutdownNow();
            }
        }
    }

    /**
     * Where the time of a phase went: the patches the mock server served and its time in them, the patches the
     * source sent and their round trips, and CPU time per thread group (the source's control thread, its patch
     * workers, the mock server's event loop; threads that ended meanwhile are not counted).
     */
    private record PhaseCost(long serverPatches, long serverPatchNanos, long patches, double patchSeconds,
                             Map<String, Long> cpuNanos) {

        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private static final List<String> GROUPS = List.of("test-control", "portlocal-k8s-patch", "vert.x-eventloop");

        static PhaseCost now(MockApiServer api, KubernetesSource source) {
            long[] served = api.dispatcher().served("PATCH");
            Map<String, Long> cpu = new HashMap<>();
            long[] ids = THREADS.getAllThreadIds();
            ThreadInfo[] infos = THREADS.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                if (infos[i] == null) {
                    continue;
                }
                String group = GROUPS.stream().filter(infos[i].getThreadName()::startsWith).findFirst()
                        .orElse("other");
                long nanos = THREADS.getThreadCpuTime(ids[i]);
                if (nanos > 0) {
                    cpu.merge(group, nanos, Long::sum);
                }
            }
            return new PhaseCost(served[0], served[1], source.metrics().patchesSent()
                    + source.metrics().patchesFailed(), source.metrics().patchSeconds(), cpu);
        }

        PhaseCost minus(PhaseCost before) {
            Map<String, Long> cpu = new HashMap<>();
            cpuNanos.forEach((group, nanos) -> cpu.put(group, nanos - before.cpuNanos.getOrDefault(group, 0L)));
            return new PhaseCost(serverPatches - before.serverPatches, serverPatchNanos - before.serverPatchNanos,
                    patches - before.patches, patchSeconds - before.patchSeconds, cpu);
        }

        String describe() {
            return String.format(Locale.ROOT, "phase.serverPatches=%d phase.serverMsPerPatch=%.2f "
                            + "phase.serverBusyMs=%d phase.patches=%d phase.roundTripMsPerPatch=%.2f "
                            + "phase.cpuMs.control=%d phase.cpuMs.patchWorkers=%d phase.cpuMs.mockEventLoop=%d "
                            + "phase.cpuMs.other=%d",
                    serverPatches, serverPatches == 0 ? 0 : serverPatchNanos / 1e6 / serverPatches,
                    serverPatchNanos / 1_000_000, patches, patches == 0 ? 0 : patchSeconds * 1e3 / patches,
                    cpuNanos.getOrDefault("test-control", 0L) / 1_000_000,
                    cpuNanos.getOrDefault("portlocal-k8s-patch", 0L) / 1_000_000,
                    cpuNanos.getOrDefault("vert.x-eventloop", 0L) / 1_000_000,
                    cpuNanos.getOrDefault("other", 0L) / 1_000_000);
        }
    }
}
