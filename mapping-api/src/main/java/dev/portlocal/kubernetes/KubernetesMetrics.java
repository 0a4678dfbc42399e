package dev.portlocal.kubernetes;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the Kubernetes source counts, as plain counters and gauges for the daemon to export: whether each informer
 * has synced and is watching, how many Pods and Services it sees, how many Services opted in and how many Pods
 * are mapped, and how many annotation patches were sent, failed, or are waiting. Thread-safe; every reader sees
 * each value on its own (no snapshot across values).
 */
public final class KubernetesMetrics {

    /** The three watched resources. */
    public enum Resource {
        PODS,
        SERVICES,
        NODE
    }

    private final AtomicBoolean[] synced = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};
    private final AtomicBoolean[] watching = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};
    private final AtomicInteger podsSeen = new AtomicInteger();
    private final AtomicInteger servicesSeen = new AtomicInteger();
    private final AtomicInteger servicesEnabled = new AtomicInteger();
    private final AtomicInteger podsMapped = new AtomicInteger();
    private final AtomicInteger patchesPending = new AtomicInteger();
    private final AtomicBoolean nodeIpKnown = new AtomicBoolean();
    private final AtomicLong patchesSent = new AtomicLong();
    private final AtomicLong patchesFailed = new AtomicLong();
    private final AtomicLong patchNanos = new AtomicLong();
    private final AtomicLong reconciles = new AtomicLong();

    public boolean synced(Resource resource) {
        return synced[resource.ordinal()].get();
    }

    public boolean watching(Resource resource) {
        return watching[resource.ordinal()].get();
    }

    /** Local Pods in the informer's cache. */
    public int podsSeen() {
        return podsSeen.get();
    }

    /** Services in the informer's cache, in every namespace. */
    public int servicesSeen() {
        return servicesSeen.get();
    }

    /** Services that opted in and qualify. */
    public int servicesEnabled() {
        return servicesEnabled.get();
    }

    /** Local Pods with something to publish. */
    public int podsMapped() {
        return podsMapped.get();
    }

    /** Pods whose annotation differs from what should be there, waiting for or retrying a patch. */
    public int patchesPending() {
        return patchesPending.get();
    }

    public boolean nodeIpKnown() {
        return nodeIpKnown.get();
    }

    /** Annotation patches the API server accepted. */
    public long patchesSent() {
        return patchesSent.get();
    }

    /** Annotation patches that failed (each is retried with backoff). */
    public long patchesFailed() {
        return patchesFailed.get();
    }

    /**
     * Seconds spent in annotation patches, sent or failed, each from the call to the API server's answer: the
     * round trip as a patch worker waits for it. Divided by the patches, the mean latency of one.
     */
    public double patchSeconds() {
        return patchNanos.get() / 1e9;
    }

    /** Translations applied to the mapping service. */
    public long reconciles() {
        return reconciles.get();
    }

    void informer(Resource resource, boolean isSynced, boolean isWatching) {
        synced[resource.ordinal()].set(isSynced);
        watching[resource.ordinal()].set(isWatching);
    }

    void seen(int pods, int services) {
        podsSeen.set(pods);
        servicesSeen.set(services);
    }

    void translated(int enabledServices, int mappedPods, boolean hasNodeIp) {
        servicesEnabled.set(enabledServices);
        podsMapped.set(mappedPods);
        nodeIpKnown.set(hasNodeIp);
        reconciles.incrementAndGet();
    }

    void nodeIpKnown(boolean known) {
        nodeIpKnown.set(known);
    }

    void patchSent() {
        patchesSent.incrementAndGet();
    }

    void patchTook(long nanos) {
        patchNanos.addAndGet(nanos);
    }

    void patchFailed() {
        patchesFailed.incrementAndGet();
    }

    void pending(int pending) {
        patchesPending.set(pending);
    }
}
