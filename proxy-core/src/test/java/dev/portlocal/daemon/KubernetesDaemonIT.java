package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portlocal.kubernetes.testing.MockApiServer;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.Waits;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portlocal.kubernetes.Fixtures.address;
import static dev.portlocal.kubernetes.Fixtures.containerPort;
import static dev.portlocal.kubernetes.Fixtures.node;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static dev.portlocal.kubernetes.Fixtures.service;
import static dev.portlocal.kubernetes.Fixtures.servicePort;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real daemon process with {@code --kubernetes} against the test API server (fabric8's mock server in CRUD mode,
 * corrected where it differs from a real API server; see docs/kubernetes.md). The Pods' IPs are loopback addresses
 * where real backends listen, and the Node's InternalIP is 127.0.0.1, so an AKO-style reader can build the load
 * balancer's pool from the Pods' annotations and reach each Pod through its node port.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KubernetesDaemonIT {

    private static final String NODE = "node-a";
    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private MockApiServer api;
    private KubernetesClient cluster;
    private final List<Backend> backends = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private int podPort;
    private int apiPort;
    private PortRange range;

    @BeforeEach
    void cluster() throws IOException {
        api = new MockApiServer();
        cluster = api.client();
        cluster.nodes().resource(node(NODE, address("InternalIP", "127.0.0.1"))).create();
        cluster.nodes().resource(node("node-b", address("InternalIP", "192.0.2.11"))).create();
        podPort = FreePorts.next();
        apiPort = FreePorts.next();
        range = InProcessDaemons.range(20);
        Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: test
                    cluster:
                      server: http://127.0.0.1:%d
                contexts:
                  - name: test
                    context:
                      cluster: test
                      user: test
                current-context: test
                users:
                  - name: test
                    user:
                      token: test-token
                """.formatted(api.port()));
    }

    @AfterEach
    void tearDown() {
        backends.forEach(Backend::close);
        cluster.close();
        api.close();
    }

    private DaemonProcess startDaemon() throws IOException {
        DaemonProcess d = DaemonProcess.start(dir.resolve("daemon-" + System.nanoTime() + ".log"),
                "run", "--kubernetes", "--kubernetes-node-name", NODE,
                "--kubernetes-kubeconfig", dir.resolve("kubeconfig").toString(),
                "--port-range", range.toString(), "--listen-address", "127.0.0.1",
                "--state-dir", dir.resolve("state").toString(), "--threads", "1", "--drain-timeout", "2s",
                "--api", "127.0.0.1:" + apiPort);
        d.awaitOutput("event=started", DEADLINE);
        Waits.until("/readyz answers 200", DEADLINE, () -> status("/readyz") == 200);
        return d;
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A Pod's backend: a real server on the Pod's (loopback) IP that greets with the Pod's name, then echoes. */
    private Backend backend(String ip, String name) throws IOException {
        Backend b = new Backend(ip, podPort, name);
        backends.add(b);
        return b;
    }

    /** Sets the Pod's Ready condition, as the kubelet does through the status subresource. */
    private void setReady(String name, boolean ready) {
        Pod pod = cluster.pods().inNamespace("shop").withName(name).get();
        pod.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready"))
                .forEach(c -> c.setStatus(ready ? "True" : "False"));
        cluster.pods().resource(pod).updateStatus();
    }

    private Pod webPod(String name, String node, String ip) {
        return pod("shop", name, node, WEB, List.of(ip), containerPort("http", podPort, "TCP"));
    }

    private Optional<String> annotation(String name) {
        Pod p = cluster.pods().inNamespace("shop").withName(name).get();
        Map<String, String> annotations = p == null ? null : p.getMetadata().getAnnotations();
        return Optional.ofNullable(annotations == null ? null : annotations.get("nodeportlocal.antrea.io"));
    }

    /**
     * What AKO does with NodePortLocal: for each Pod the Service selects, the annotation entry whose podPort is the
     * Service port's target port (a name resolved against the Pod's container ports) gives a pool member
     * {@code nodeIP:nodePort}.
     */
    private Map<String, InetSocketAddress> lbPool(String serviceName) throws IOException {
        Service svc = cluster.services().inNamespace("shop").withName(serviceName).get();
        Map<String, InetSocketAddress> pool = new TreeMap<>();
        for (Pod p : cluster.pods().inNamespace("shop").withLabels(svc.getSpec().getSelector()).list().getItems()) {
            Map<String, String> annotations = p.getMetadata().getAnnotations();
            String value = annotations == null ? null : annotations.get("nodeportlocal.antrea.io");
            if (value == null) {
                continue;
            }
            for (ServicePort sp : svc.getSpec().getPorts()) {
                int target = targetPort(p, sp.getTargetPort());
                for (JsonNode entry : JSON.readTree(value)) {
                    if (entry.get("podPort").asInt() == target
                            && entry.get("protocol").asText().equalsIgnoreCase(sp.getProtocol())) {
                        pool.put(p.getMetadata().getName(), new InetSocketAddress(
                                InetAddress.getByName(entry.get("nodeIP").asText()), entry.get("nodePort").asInt()));
                    }
                }
            }
        }
        return pool;
    }

    private static int targetPort(Pod p, IntOrString target) {
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        return p.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                .filter(cp -> target.getStrVal().equals(cp.getName())).findFirst().orElseThrow().getContainerPort();
    }

    /** Connects to {@code member} and returns the greeting of the backend that answered. */
    private static String greeting(InetSocketAddress member) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(member, 2000);
            s.setSoTimeout(5000);
            return readLine(s.getInputStream());
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("closed after " + line);
            }
            line.append((char) c);
        }
        return line.toString();
    }

    private Map<String, String> greetingsThrough(Map<String, InetSocketAddress> pool) throws IOException {
        Map<String, String> seen = new TreeMap<>();
        for (Map.Entry<String, InetSocketAddress> member : pool.entrySet()) {
            seen.put(member.getKey(), greeting(member.getValue()));
        }
        return seen;
    }

    @Test
    void theLoadBalancerReachesExactlyTheLocalPodsThroughTheirAnnotations() throws Exception {
        backend("127.0.0.2", "web-1");
        backend("127.0.0.3", "web-2");
        backend("127.0.0.4", "web-3");
        cluster.services().resource(service("shop", "web", WEB, servicePort(80, "http", "TCP"))).create();
        cluster.pods().resource(webPod("web-1", NODE, "127.0.0.2")).create();
        cluster.pods().resource(webPod("web-2", NODE, "127.0.0.3")).create();
        cluster.pods().resource(webPod("web-3", "node-b", "127.0.0.4")).create();
        try (DaemonProcess d = startDaemon()) {
            Waits.until("both local Pods annotated", DEADLINE,
                    () -> annotation("web-1").isPresent() && annotation("web-2").isPresent());
            Map<String, InetSocketAddress> pool = lbPool("web");
            assertEquals(Set.of("web-1", "web-2"), pool.keySet(), "the pool holds the local Pods only");
            assertEquals(Optional.empty(), annotation("web-3"), "a Pod on another node gets no annotation");
            assertEquals(Map.of("web-1", "web-1", "web-2", "web-2"), greetingsThrough(pool),
                    "each member reaches its own Pod");
            Set<Integer> nodePorts = new TreeSet<>();
            pool.values().forEach(a -> nodePorts.add(a.getPort()));
            assertEquals(nodePorts, d.listeningTcpPorts().stream().filter(range::contains)
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
                    "the daemon listens on exactly the published node ports");

            // web-1 stops being ready: its node port refuses but stays held and published; ready again, it serves.
            InetSocketAddress web1 = pool.get("web-1");
            setReady("web-1", false);
            Waits.until("web-1's node port refuses while not ready", DEADLINE, () -> DrainIT.refused(web1.getPort()));
            assertEquals(Map.of("web-1", web1, "web-2", pool.get("web-2")), lbPool("web"),
                    "the annotation keeps a not-ready Pod's port: no flapping");
            assertEquals(Map.of("web-2", "web-2"), greetingsThrough(Map.of("web-2", pool.get("web-2"))));
            setReady("web-1", true);
            Waits.until("web-1 serves again", DEADLINE, () -> !DrainIT.refused(web1.getPort()));
            assertEquals(Map.of("web-1", "web-1", "web-2", "web-2"), greetingsThrough(pool), "the same ports serve");

            String metrics = get("/metrics");
            assertTrue(metrics.contains("portlocal_kubernetes_informer_synced{resource=\"pods\"} 1"), metrics);
            assertTrue(metrics.contains("portlocal_kubernetes_objects{kind=\"pods_mapped\"} 2"), metrics);

            // The Service opts out: the ports close and the annotations go.
            Service svc = cluster.services().inNamespace("shop").withName("web").get();
            svc.getMetadata().getAnnotations().remove("nodeportlocal.antrea.io/enabled");
            cluster.services().resource(svc).update();
            Waits.until("annotations removed", DEADLINE,
                    () -> annotation("web-1").isEmpty() && annotation("web-2").isEmpty());
            Waits.until("node ports closed", DEADLINE,
                    () -> d.listeningTcpPorts().stream().noneMatch(range::contains));
            assertEquals(0, d.terminate(Duration.ofSeconds(20)), d.output());
        }
    }

    @Test
    void anApiServerOutageLosesNoByteClosesNoPortAndPortsSurviveARestartWithoutState() throws Exception {
        backend("127.0.0.2", "web-1");
        cluster.services().resource(service("shop", "web", WEB, servicePort(80, podPort, "TCP"))).create();
        cluster.pods().resource(webPod("web-1", NODE, "127.0.0.2")).create();
        InetSocketAddress member;
        try (DaemonProcess d = startDaemon()) {
            Waits.until("annotated", DEADLINE, () -> annotation("web-1").isPresent());
            member = lbPool("web").get("web-1");

            // A paced transfer through the node port that spans an outage of the API server of 10 s.
            byte[] chunk = new byte[64 * 1024];
            new java.util.Random(42).nextBytes(chunk);
            int chunks = 256; // 16 MiB over about 13 s
            try (Socket s = new Socket()) {
                s.connect(member, 2000);
                s.setSoTimeout(30_000);
                assertEquals("web-1", readLine(s.getInputStream()));
                long total = (long) chunks * chunk.length;
                CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> digestOf(s, total));
                MessageDigest sent = MessageDigest.getInstance("SHA-256");
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < chunks; i++) {
                    if (i == 32) {
                        api.stop();
                    }
                    if (i == 32 + 200) {
                        api.start();
                    }
                    out.write(chunk);
                    sent.update(chunk);
                    Thread.sleep(50);
                }
                assertArrayEquals(sent.digest(), echoed.get(30, TimeUnit.SECONDS), "every byte came back");
            }
            assertTrue(d.listeningTcpPorts().contains(member.getPort()), "the port stayed open");
            assertEquals(200, status("/readyz"), "ready throughout");

            // The informers came back: a new Pod is seen and annotated.
            backend("127.0.0.3", "web-2");
            cluster.pods().resource(webPod("web-2", NODE, "127.0.0.3")).create();
            Waits.until("the new Pod annotated after the outage", DEADLINE, () -> annotation("web-2").isPresent());
            assertEquals(0, d.terminate(Duration.ofSeconds(20)), d.output());
        }
        Map<String, InetSocketAddress> before = lbPool("web");

        // The state directory is lost: the Pods' own annotations bring the same ports back.
        deleteTree(dir.resolve("state"));
        try (DaemonProcess d = startDaemon()) {
            Waits.until("the daemon listens on the annotated ports", DEADLINE, () -> before.values().stream()
                    .allMatch(a -> d.listeningTcpPorts().contains(a.getPort())));
            assertEquals(before, lbPool("web"), "the same node ports, published the same way");
            assertEquals(Map.of("web-1", "web-1", "web-2", "web-2"), greetingsThrough(before));
            assertEquals(0, d.terminate(Duration.ofSeconds(20)), d.output());
        }
    }

    /**
     * The port policy from annotations, end to end: a Service's {@code portlocal.dev/port-policy} gives every Pod it
     * selects a PROXY protocol v1 header; a Pod's own annotation adds an allowlist that leaves this client out; a
     * typo in it keeps the allowlist in force (and is logged naming the field and value); the fix opens the port.
     * The node ports never change.
     */
    @Test
    void portPolicyAnnotationsOnTheServiceAndThePodReachTheDataPlane() throws Exception {
        backends.add(new Backend("127.0.0.2", podPort, "web-1", true));
        backends.add(new Backend("127.0.0.3", podPort, "web-2", true));
        Service svc = service("shop", "web", WEB, servicePort(80, podPort, "TCP"));
        svc.getMetadata().getAnnotations().put("portlocal.dev/port-policy", "proxyProtocol: v1");
        cluster.services().resource(svc).create();
        cluster.pods().resource(webPod("web-1", NODE, "127.0.0.2")).create();
        Pod web2 = webPod("web-2", NODE, "127.0.0.3");
        web2.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of("portlocal.dev/port-policy",
                "ports: {\"" + podPort + "\": {allowFrom: [192.0.2.0/24]}}")));
        cluster.pods().resource(web2).create();
        try (DaemonProcess d = startDaemon()) {
            Waits.until("both Pods annotated", DEADLINE,
                    () -> annotation("web-1").isPresent() && annotation("web-2").isPresent());
            Map<String, InetSocketAddress> pool = lbPool("web");
            InetSocketAddress web1 = pool.get("web-1");
            InetSocketAddress web2Member = pool.get("web-2");

            try (Socket s = new Socket()) {
                s.connect(web1, 2000);
                s.setSoTimeout(5000);
                assertEquals("web-1 PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getLocalPort() + " " + web1.getPort(),
                        readLine(s.getInputStream()), "the Service's proxyProtocol reaches its Pod");
            }
            assertTrue(resetAfterAccept(web2Member), "web-2's allowlist leaves 127.0.0.1 out");

            // A typo in the Pod's annotation: the allowlist in force stays, and the log says what is wrong.
            patchPolicy("web-2", "ports: {\"" + podPort + "\": {allowFrom: [192.0.2.0/33]}}");
            d.awaitOutput("192.0.2.0/33", DEADLINE);
            assertTrue(d.output().contains("event=policy_invalid"), d.output());
            assertTrue(resetAfterAccept(web2Member), "a typo never widens who may connect");

            // The fix: this client may connect, and the Service's header still applies to the Pod's port.
            patchPolicy("web-2", "ports: {\"" + podPort + "\": {allowFrom: [127.0.0.0/8]}}");
            Waits.until("web-2 serves 127.0.0.1", DEADLINE, () -> !resetAfterAccept(web2Member));
            try (Socket s = new Socket()) {
                s.connect(web2Member, 2000);
                s.setSoTimeout(5000);
                assertEquals("web-2 PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getLocalPort() + " "
                        + web2Member.getPort(), readLine(s.getInputStream()));
            }
            String view = get("/v1/endpoints/shop/web-2");
            assertTrue(view.contains("\"proxyProtocol\":\"v1\",\"allowFrom\":[\"127.0.0.0/8\"]"),
                    "the API shows the policy in force: " + view);
            assertEquals(pool, lbPool("web"), "policy changes never move a node port");
            assertTrue(get("/metrics").contains("reason=\"not_allowed\""), "the refusals were counted");
            assertEquals(0, d.terminate(Duration.ofSeconds(20)), d.output());
        }
    }

    private void patchPolicy(String pod, String policy) {
        Pod p = cluster.pods().inNamespace("shop").withName(pod).get();
        p.getMetadata().getAnnotations().put("portlocal.dev/port-policy", policy);
        cluster.pods().resource(p).update();
    }

    /** True when the node port accepts the handshake and then resets or closes before any byte (a refusal). */
    private static boolean resetAfterAccept(InetSocketAddress member) {
        try (Socket s = new Socket()) {
            s.connect(member, 2000);
            s.setSoTimeout(5000);
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static byte[] digestOf(Socket s, long total) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long got = 0;
            while (got < total) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, total - got));
                if (n < 0) {
                    throw new IOException("closed after " + got + " of " + total + " bytes");
                }
                digest.update(buf, 0, n);
                got += n;
            }
            return digest.digest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * A thread-per-connection server on one loopback address: greets with its name, then echoes. One that
     * {@code readsHeader} first reads the connection's first line (a PROXY protocol v1 header) and greets with its
     * name and that line.
     */
    private static final class Backend implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;

        Backend(String ip, int port, String name) throws IOException {
            this(ip, port, name, false);
        }

        Backend(String ip, int port, String name, boolean readsHeader) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> serve(s, name, readsHeader), "backend-" + name);
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "backend-accept-" + name);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void serve(Socket s, String name, boolean readsHeader) {
            try (s) {
                OutputStream out = s.getOutputStream();
                String greeting = readsHeader ? name + " " + readLine(s.getInputStream()).strip() : name;
                out.write((greeting + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.getInputStream().transferTo(out);
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() {
            try {
                server.close();
                acceptor.join(2000);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
