package dev.portlocal.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portlocal.api.ApiViews.AnnotationEntry;
import dev.portlocal.api.NodeIps;
import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.MappingService;
import dev.portlocal.kubernetes.KubernetesMetrics.Resource;
import dev.portlocal.kubernetes.Translation.Notice;
import dev.portlocal.kubernetes.Translation.PodPlan;
import dev.portlocal.kubernetes.Translation.Published;
import dev.portlocal.model.Addresses;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.MappingKey;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.Source;
import dev.portlocal.state.RestoredEndpoints;
import dev.portlocal.state.StateEntry;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiPredicate;

import static java.util.Objects.requireNonNull;

/**
 * The Kubernetes source of desired endpoints, doing NodePortLocal's job: shared informers on this node's Pods
 * (field selector {@code spec.nodeName}), every Service and this Node; on every change, the whole picture goes
 * through {@link NplTranslator} into {@link MappingService#apply} for {@link Source#KUBERNETES}, and each Pod's
 * annotation is brought in line through the {@link AnnotationWriter} ({@code pods/status}, JSON merge patch).
 *
 * <p>Start and restart: {@link #start} first re-declares the endpoints the state file holds for this source, so
 * their ports listen again before the API server has answered (as NodePortLocal's DNAT rules outlive its agent).
 * Nothing new is mapped until the three caches have synced and the Node has an IP. At the first such moment the
 * Pods' own annotations are read back as restore hints ({@link MappingService#restoreHints}): a node that lost its
 * state directory keeps its ports; unusable entries are dropped and re-allocated.
 *
 * <p>API server trouble: informers retry forever and relist after 410 Gone; their caches keep the last state, so
 * an unreachable API server never releases a mapping. Failed patches are retried per Pod with backoff.
 *
 * <p>Threading: informer callbacks only ask for a reconcile; the reconcile runs on {@code control} (the daemon's one
 * control thread), coalesced, and every field below without a concurrent type is touched there only.
 */
public final class KubernetesSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubernetesSource.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final KubernetesClient client;
    private final KubernetesOptions options;
    private final MappingService service;
    private final ScheduledExecutorService control;
    private final KubernetesMetrics metrics = new KubernetesMetrics();
    private final ScheduledExecutorService patchThreads;
    private final AnnotationWriter writer;
    private final AtomicBoolean reconcilePending = new AtomicBoolean();
    private final AtomicLongArray informerFailures = new AtomicLongArray(Resource.values().length);
    private final AtomicLongArray lists = new AtomicLongArray(Resource.values().length);
    private volatile boolean ready;
    private volatile boolean closed;
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<Node> node;
    private ScheduledFuture<?> tick;

    private boolean hintsLoaded;
    private boolean watchingAll;
    private NodeIps lastNodeIps;
    private Set<Notice> lastNotices = Set.of();
    /** The port policies in force, from one reconcile to the next; the reconcile thread's. */
    private final PortPolicyAnnotation.Memory policies = new PortPolicyAnnotation.Memory();
    private Set<String> offered = new HashSet<>();

    public KubernetesSource(KubernetesClient client, KubernetesOptions options, MappingService service,
                            ScheduledExecutorService control) {
        this.client = requireNonNull(client, "client");
        this.options = requireNonNull(options, "options");
        this.service = requireNonNull(service, "service");
        this.control = requireNonNull(control, "control");
        AtomicInteger threadCount = new AtomicInteger();
        this.patchThreads = Executors.newScheduledThreadPool(options.patchThreads(), r -> {
            Thread t = new Thread(r, "portlocal-k8s-patch-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.writer = new AnnotationWriter(this::patch, patchThreads,
                (task, delay) -> patchThreads.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS),
                options.backoff(), metrics);
    }

    public KubernetesMetrics metrics() {
        return metrics;
    }

    /** True once the caches have synced, the Node has an IP and the first translation is applied. */
    public boolean ready() {
        return ready;
    }

    /**
     * Re-declares the ports persisted for this source, then starts the informers; returns at once. Call after
     * {@link MappingService#restore}.
     */
    public synchronized void start() {
        if (pods != null) {
            throw new IllegalStateException("already started");
        }
        control.execute(this::serveRestored);
        pods = client.pods().inAnyNamespace().withField("spec.nodeName", options.nodeName()).runnableInformer(0);
        services = client.services().inAnyNamespace().runnableInformer(0);
        node = client.nodes().withName(options.nodeName()).runnableInformer(0);
        watch(pods, Resource.PODS, this::ownPatchOnly);
        watch(services, Resource.SERVICES);
        watch(node, Resource.NODE);
        long interval = options.publishInterval().toMillis();
        tick = control.scheduleWithFixedDelay(this::requestReconcile, interval, interval, TimeUnit.MILLISECONDS);
        log.atInfo().setMessage("kubernetes_source_started")
                .addKeyValue("node", options.nodeName())
                .addKeyValue("api", client.getMasterUrl())
                .log();
    }

    private <T extends HasMetadata> void watch(SharedIndexInformer<T> informer, Resource resource) {
        watch(informer, resource, (before, after) -> false);
    }

    /** As above; an update for which {@code unchanged} holds asks for no reconcile. */
    private <T extends HasMetadata> void watch(SharedIndexInformer<T> informer, Resource resource,
                                               BiPredicate<T, T> unchanged) {
        informer.exceptionHandler((started, error) -> {
            if (informerFailures.getAndIncrement(resource.ordinal()) == 0) {
                log.atWarn().setMessage("kubernetes_api_failing")
                        .addKeyValue("resource", resource.name().toLowerCase(Locale.ROOT))
                        .addKeyValue("error", error.toString())
                        .log();
            }
            metrics.informer(resource, informer.hasSynced(), false);
            // Retry forever: the cache keeps serving its last state meanwhile.
            return !closed;
        });
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onList(String resourceVersion, boolean empty) {
                if (lists.getAndIncrement(resource.ordinal()) > 0) {
                    // A relist after the first: a watch ended with 410 Gone or the informer restarted its cycle.
                    log.atInfo().setMessage("kubernetes_relisted")
                            .addKeyValue("resource", resource.name().toLowerCase(Locale.ROOT))
                            .addKeyValue("resourceVersion", resourceVersion)
                            .log();
                }
                long failures = informerFailures.getAndSet(resource.ordinal(), 0);
                if (failures > 0) {
                    log.atInfo().setMessage("kubernetes_api_recovered")
                            .addKeyValue("resource", resource.name().toLowerCase(Locale.ROOT))
                            .addKeyValue("failures", failures)
                            .log();
                }
                requestReconcile();
            }

            @Override
            public void onAdd(T object) {
                requestReconcile();
            }

            @Override
            public void onUpdate(T before, T after) {
                if (!unchanged.test(before, after)) {
                    requestReconcile();
                }
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                requestReconcile();
            }
        });
        informer.start();
    }

    /**
     * True if the update is only this source's own annotation patch coming back: nothing but the annotation (and
     * the resourceVersion and managed fields the API server sets) changed, to the value the writer last wrote.
     * Each patch comes back so; translating every Pod again for each would cost a full reconcile per patch.
     */
    private boolean ownPatchOnly(Pod before, Pod after) {
        if (!annotationOnlyChange(before, after)) {
            return false;
        }
        Map<String, String> annotations = after.getMetadata().getAnnotations();
        return writer.ownPatchSeen(after.getMetadata().getNamespace(), after.getMetadata().getName(),
                Optional.ofNullable(annotations == null ? null : annotations.get(PodAnnotation.KEY)),
                after.getMetadata().getResourceVersion());
    }

    /** The two differ in the {@code nodeportlocal.antrea.io} annotation, resourceVersion and managed fields only. */
    static boolean annotationOnlyChange(Pod before, Pod after) {
        return before.getMetadata() != null && after.getMetadata() != null
                && Objects.equals(before.getSpec(), after.getSpec())
                && Objects.equals(before.getStatus(), after.getStatus())
                && Objects.equals(before.getAdditionalProperties(), after.getAdditionalProperties())
                && withoutOwnFields(before.getMetadata()).equals(withoutOwnFields(after.getMetadata()));
    }

    private static ObjectMeta withoutOwnFields(ObjectMeta metadata) {
        Map<String, String> annotations = new HashMap<>(
                Objects.requireNonNullElse(metadata.getAnnotations(), Map.<String, String>of()));
        annotations.remove(PodAnnotation.KEY);
        return new ObjectMetaBuilder(metadata)
                .withResourceVersion(null)
                .withManagedFields((List<ManagedFieldsEntry>) null)
                .withAnnotations(annotations)
                .build();
    }

    /** Asks for one reconcile on the control thread; requests made while one is pending are folded into it. */
    private void requestReconcile() {
        if (!closed && reconcilePending.compareAndSet(false, true)) {
            try {
                control.execute(this::reconcile);
            } catch (RejectedExecutionException e) {
                reconcilePending.set(false);
            }
        }
    }

    private void serveRestored() {
        List<StateEntry> entries = service.restoredEntries(Source.KUBERNETES);
        if (entries.isEmpty()) {
            return;
        }
        List<Endpoint> endpoints = RestoredEndpoints.rebuild(entries, "kubernetes_restore_skipped");
        ApplyResult result = service.apply(Source.KUBERNETES, endpoints);
        log.atInfo().setMessage("kubernetes_endpoints_restored")
                .addKeyValue("endpoints", endpoints.size())
                .addKeyValue("listening", result.added().size())
                .addKeyValue("failed", result.failed().size())
                .log();
    }

    private void reconcile() {
        reconcilePending.set(false);
        if (closed) {
            return;
        }
        try {
            reconcileNow();
        } catch (RuntimeException e) {
            // Never let one bad object stop the source: the next event or tick tries again.
            log.atError().setMessage("kubernetes_reconcile_failed")
                    .addKeyValue("error", e.toString())
                    .setCause(e)
                    .log();
        }
    }

    private void reconcileNow() {
        metrics.informer(Resource.PODS, pods.hasSynced(), pods.isWatching());
        metrics.informer(Resource.SERVICES, services.hasSynced(), services.isWatching());
        metrics.informer(Resource.NODE, node.hasSynced(), node.isWatching());
        logWatchTransition();
        List<Pod> podList = pods.getStore().list();
        List<Service> serviceList = services.getStore().list();
        metrics.seen(podList.size(), serviceList.size());
        if (!pods.hasSynced() || !services.hasSynced() || !node.hasSynced()) {
            return;
        }
        List<Node> nodes = node.getStore().list();
        NodeIps nodeIps = NodeAddresses.nodeIps(nodes.isEmpty() ? null : nodes.get(0));
        if (!nodeIps.equals(lastNodeIps)) {
            logNodeIps(nodeIps, !nodes.isEmpty());
            lastNodeIps = nodeIps;
        }
        if (nodeIps.all().isEmpty()) {
            metrics.nodeIpKnown(false);
            return;
        }
        if (!hintsLoaded) {
            loadHints(podList);
            hintsLoaded = true;
        }
        Translation translation = NplTranslator.translate(podList, serviceList, nodeIps, policies);
        ApplyResult result = service.apply(Source.KUBERNETES, translation.endpoints());
        metrics.translated(translation.enabledServices(), translation.plans().size(), true);
        logNotices(translation.notices());
        publish(podList, translation, nodeIps);
        if (!ready) {
            ready = true;
            log.atInfo().setMessage("kubernetes_synced")
                    .addKeyValue("node", options.nodeName())
                    .addKeyValue("pods", podList.size())
                    .addKeyValue("services", serviceList.size())
                    .addKeyValue("enabledServices", translation.enabledServices())
                    .addKeyValue("mappedPods", translation.plans().size())
                    .addKeyValue("failed", result.failed().size())
                    .log();
        }
    }

    private void publish(List<Pod> podList, Translation translation, NodeIps nodeIps) {
        Map<MappingKey, MappingStatus> listening = new HashMap<>();
        for (MappingStatus status : service.mappings()) {
            if (status.source() == Source.KUBERNETES && status.holdsPort()) {
                listening.put(status.key(), status);
            }
        }
        Set<String> seen = new HashSet<>();
        for (Pod pod : podList) {
            String namespace = pod.getMetadata().getNamespace();
            String name = pod.getMetadata().getName();
            String key = namespace + "/" + name;
            seen.add(key);
            PodPlan plan = translation.plans().get(key);
            Optional<String> wanted = plan == null ? Optional.empty()
                    : PodAnnotation.render(entries(plan, listening, nodeIps));
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            Optional<String> current = Optional.ofNullable(annotations == null ? null
                    : annotations.get(PodAnnotation.KEY));
            writer.offer(namespace, name, wanted, current, pod.getMetadata().getResourceVersion());
        }
        for (String gone : offered) {
            if (!seen.contains(gone)) {
                int slash = gone.indexOf('/');
                writer.forget(gone.substring(0, slash), gone.substring(slash + 1));
            }
        }
        offered = seen;
    }

    private static List<AnnotationEntry> entries(PodPlan plan, Map<MappingKey, MappingStatus> listening,
                                                 NodeIps nodeIps) {
        List<AnnotationEntry> entries = new ArrayList<>(plan.hostPorts());
        for (Published published : plan.allocated()) {
            MappingStatus status = listening.get(published.key(plan.key()));
            Optional<InetAddress> nodeIp = nodeIps.forFamily(published.family());
            // A family without a node IP publishes nothing, as NodePortLocal does.
            if (status != null && nodeIp.isPresent()) {
                entries.add(new AnnotationEntry(published.podPort(), Addresses.format(nodeIp.get()),
                        status.nodePort().getAsInt(), published.protocol().wireName(), published.family().name()));
            }
        }
        return entries;
    }

    /** Reads every local Pod's annotation back into restore hints, once, before the first apply. */
    private void loadHints(List<Pod> podList) {
        List<StateEntry> hints = new ArrayList<>();
        for (Pod pod : podList) {
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            String value = annotations == null ? null : annotations.get(PodAnnotation.KEY);
            if (value == null) {
                continue;
            }
            String key = NplTranslator.key(pod);
            Map<IpFamily, InetAddress> ips = NplTranslator.podIps(pod);
            PodAnnotation.Parsed parsed = PodAnnotation.parse(value);
            List<String> problems = new ArrayList<>(parsed.problems());
            for (PodAnnotation.Entry entry : parsed.entries()) {
                InetAddress ip = ips.get(entry.family());
                if (isHostPort(pod, entry)) {
                    continue;
                }
                if (ip == null) {
                    problems.add(entry.podPort() + "/" + entry.protocol().wireName() + " " + entry.family()
                            + ": the Pod has no " + entry.family() + " address");
                    continue;
                }
                hints.add(new StateEntry(new MappingKey(key, entry.podPort(), entry.protocol(), entry.family()),
                        Source.KUBERNETES, ip, entry.nodePort(), false));
            }
            if (!problems.isEmpty()) {
                log.atInfo().setMessage("annotation_entries_dropped")
                        .addKeyValue("pod", key)
                        .addKeyValue("reasons", String.join("; ", problems))
                        .log();
            }
        }
        service.restoreHints(Source.KUBERNETES, hints);
    }

    private static boolean isHostPort(Pod pod, PodAnnotation.Entry entry) {
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
            return false;
        }
        for (Container container : pod.getSpec().getContainers()) {
            for (ContainerPort port : Objects.requireNonNullElse(container.getPorts(), List.<ContainerPort>of())) {
                if (Objects.equals(port.getContainerPort(), entry.podPort())
                        && Objects.equals(port.getHostPort(), entry.nodePort())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Once per change: every watch open, or some lost (the API server unreachable, or restarting them). */
    private void logWatchTransition() {
        boolean now = pods.isWatching() && services.isWatching() && node.isWatching();
        if (now != watchingAll) {
            watchingAll = now;
            log.atInfo().setMessage(now ? "kubernetes_watching" : "kubernetes_watch_lost")
                    .addKeyValue("pods", pods.isWatching())
                    .addKeyValue("services", services.isWatching())
                    .addKeyValue("node", node.isWatching())
                    .log();
        }
    }

    private void logNotices(List<Notice> notices) {
        Set<Notice> now = new LinkedHashSet<>(notices);
        for (Notice notice : now) {
            if (!lastNotices.contains(notice)) {
                log.atInfo().setMessage(notice.event())
                        .addKeyValue("subject", notice.subject())
                        .addKeyValue("reason", notice.reason())
                        .log();
            }
        }
        lastNotices = now;
    }

    private void logNodeIps(NodeIps nodeIps, boolean nodeSeen) {
        if (nodeIps.all().isEmpty()) {
            log.atWarn().setMessage("node_ip_unknown")
                    .addKeyValue("node", options.nodeName())
                    .addKeyValue("reason", nodeSeen ? "the Node has no ExternalIP or InternalIP address"
                            : "no Node of that name")
                    .log();
            return;
        }
        for (NodeIps.NodeIp ip : nodeIps.all()) {
            log.atInfo().setMessage("node_ip")
                    .addKeyValue("family", ip.family())
                    .addKeyValue("ip", Addresses.format(ip.ip()))
                    .addKeyValue("source", ip.source())
                    .log();
        }
    }

    /** One JSON merge patch through {@code pods/status}; the API server applies its metadata changes. */
    private void patch(String namespace, String name, Optional<String> value) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode annotations = body.putObject("metadata").putObject("annotations");
        if (value.isPresent()) {
            annotations.put(PodAnnotation.KEY, value.get());
        } else {
            annotations.putNull(PodAnnotation.KEY);
        }
        // The Pod given names the target only, so that the client sends the patch without reading the Pod first.
        Pod target = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().build();
        try {
            client.pods().inNamespace(namespace).resource(target).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), body.toString());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                throw new AnnotationWriter.PodGoneException(namespace + "/" + name + " not found", e);
            }
            throw e;
        }
    }

    /**
     * Stops the informers and the patch workers. The mappings stay as they are (the daemon closes them), and the
     * state keeps them for the next start. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (tick != null) {
            tick.cancel(false);
        }
        for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {pods, services, node}) {
            if (informer != null) {
                informer.stop();
            }
        }
        patchThreads.shutdownNow();
        log.atInfo().setMessage("kubernetes_source_stopped").log();
    }
}
