package dev.portlocal.kubernetes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * Brings each Pod's {@code nodeportlocal.antrea.io} annotation to the value the control thread wants, one patch in
 * flight per Pod. A Pod whose patch fails is retried with {@link Backoff} (NodePortLocal's 2 s to 120 s); when any
 * patch succeeds again after failures, every Pod waiting out a backoff is retried at once, since the API server is
 * evidently back. Nothing here ever touches a mapping: an unreachable API server delays annotations only.
 *
 * <p>"Only when it differs": {@link #offer} compares the wanted value with the Pod's current one as the informer's
 * cache shows it. Until the cache has seen the Pod change after one of this writer's patches (same
 * resourceVersion as when the patch was asked for), the value written stands for the current one, so a stale cache
 * never causes the same patch twice.
 *
 * <p>Failures are logged once per episode: {@code annotation_patch_failing} at the first, then
 * {@code annotation_patches_recovered} with the count when no Pod is failing any more.
 *
 * <p>Threading: {@link #offer} and {@link #forget} may be called from any thread (the control thread does);
 * patches run on {@code workers}, retries are timed by {@code timer}; state is guarded by this object's lock, and
 * patches are sent without holding it.
 */
public final class AnnotationWriter {

    private static final Logger log = LoggerFactory.getLogger(AnnotationWriter.class);

    /** Writes one Pod's annotation; {@code value} empty removes it. */
    public interface Patcher {
        /**
         * @throws PodGoneException if the Pod does not exist any more (nothing to retry)
         * @throws RuntimeException for any other failure (retried)
         */
        void patch(String namespace, String name, Optional<String> value);
    }

    /** Runs a task after a delay: the writer's only notion of time, so tests can run it on virtual time. */
    public interface Timer {
        void schedule(Runnable task, Duration delay);
    }

    /** Thrown by a {@link Patcher} for a Pod that was deleted meanwhile. */
    public static final class PodGoneException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PodGoneException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Patcher patcher;
    private final Executor workers;
    private final Timer timer;
    private final Backoff backoff;
    private final KubernetesMetrics metrics;
    private final Map<String, PodState> pods = new HashMap<>();
    /** The value last written per Pod and the Pod's resourceVersion when it was asked for. */
    private final Map<String, Written> written = new HashMap<>();
    private int failingPods;
    private long episodeFailures;

    public AnnotationWriter(Patcher patcher, Executor workers, Timer timer, Backoff backoff,
                            KubernetesMetrics metrics) {
        this.patcher = requireNonNull(patcher, "patcher");
        this.workers = requireNonNull(workers, "workers");
        this.timer = requireNonNull(timer, "timer");
        this.backoff = requireNonNull(backoff, "backoff");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    private record Written(Optional<String> value, String resourceVersion) {
    }

    private static final class PodState {
        final String namespace;
        final String name;
        Optional<String> wanted = Optional.empty();
        Optional<String> current = Optional.empty();
        String resourceVersion;
        boolean inFlight;
        /** The value of the patch in flight. */
        Optional<String> sending = Optional.empty();
        boolean waiting;
        int failures;
        /** Bumped to void a scheduled retry that a faster path replaced. */
        long retryGeneration;

        PodState(String namespace, String name) {
            this.namespace = namespace;
            this.name = name;
        }

        String key() {
            return namespace + "/" + name;
        }

        boolean satisfied() {
            return wanted.equals(current);
        }
    }

    /**
     * The Pod {@code namespace/name} should carry {@code wanted} (empty: no annotation); the informer's cache shows
     * {@code current} at {@code resourceVersion}. Patches if they differ; does nothing if they agree.
     */
    public synchronized void offer(String namespace, String name, Optional<String> wanted, Optional<String> current,
                                   String resourceVersion) {
        String key = namespace + "/" + name;
        Written last = written.get(key);
        Optional<String> seen = current;
        if (last != null) {
            if (Objects.equals(last.resourceVersion(), resourceVersion)) {
                seen = last.value();
            } else {
                written.remove(key);
            }
        }
        PodState state = pods.get(key);
        if (state == null) {
            if (wanted.equals(seen)) {
                return;
            }
            state = new PodState(namespace, name);
            pods.put(key, state);
        }
        state.wanted = wanted;
        state.current = seen;
        state.resourceVersion = resourceVersion;
        if (state.satisfied() && !state.inFlight) {
            remove(state);
        } else if (!state.inFlight && !state.waiting) {
            submit(state);
        }
        metrics.pending(pods.size());
    }

    /**
     * The informer shows the Pod at {@code resourceVersion} with {@code current}, and the caller found nothing else
     * changed in it: true if {@code current} is the value this writer last wrote, so the change is its own patch
     * coming back and nothing needs translating again (a value this writer did not write, a hand edit, is false:
     * translate, and the writer's next offer writes over it). So is the value of a patch still in flight, whose
     * watch event may come before its answer. A Pod still waiting for a retry of that same value is done.
     */
    public synchronized boolean ownPatchSeen(String namespace, String name, Optional<String> current,
                                             String resourceVersion) {
        String key = namespace + "/" + name;
        PodState state = pods.get(key);
        if (state != null && state.inFlight && state.sending.equals(current)) {
            // The API server sends the watch event before it answers the patch.
            return true;
        }
        Written last = written.get(key);
        if (last == null || !last.value().equals(current)) {
            return false;
        }
        if (state != null && !state.inFlight) {
            state.current = current;
            state.resourceVersion = resourceVersion;
            if (state.satisfied()) {
                remove(state);
                metrics.pending(pods.size());
            }
        }
        return true;
    }

    /** The Pod is gone: nothing more is written for it. */
    public synchronized void forget(String namespace, String name) {
        String key = namespace + "/" + name;
        written.remove(key);
        PodState state = pods.get(key);
        if (state != null) {
            remove(state);
            metrics.pending(pods.size());
        }
    }

    /** Pods whose annotation is not yet what it should be. */
    public synchronized int pending() {
        return pods.size();
    }

    private void submit(PodState state) {
        state.inFlight = true;
        Optional<String> value = state.wanted;
        state.sending = value;
        try {
            workers.execute(() -> send(state, value));
        } catch (RejectedExecutionException e) {
            // Shutting down: the Pod keeps its current annotation.
            state.inFlight = false;
        }
    }

    private void send(PodState state, Optional<String> value) {
        RuntimeException failure = null;
        boolean gone = false;
        long start = System.nanoTime();
        try {
            patcher.patch(state.namespace, state.name, value);
        } catch (PodGoneException e) {
            gone = true;
        } catch (RuntimeException e) {
            failure = e;
        }
        metrics.patchTook(System.nanoTime() - start);
        synchronized (this) {
            state.inFlight = false;
            if (pods.get(state.key()) != state) {
                return;
            }
            if (gone) {
                remove(state);
            } else if (failure == null) {
                succeeded(state, value);
            } else {
                failed(state, failure);
            }
            metrics.pending(pods.size());
        }
    }

    private void succeeded(PodState state, Optional<String> value) {
        metrics.patchSent();
        state.current = value;
        written.put(state.key(), new Written(value, state.resourceVersion));
        if (state.failures > 0) {
            state.failures = 0;
            noLongerFailing();
            retryWaitingNow();
        }
        if (state.satisfied()) {
            remove(state);
        } else {
            submit(state);
        }
    }

    private void failed(PodState state, RuntimeException failure) {
        metrics.patchFailed();
        episodeFailures++;
        if (state.failures++ == 0) {
            if (failingPods++ == 0) {
                log.atWarn().setMessage("annotation_patch_failing")
                        .addKeyValue("pod", state.key())
                        .addKeyValue("error", failure.toString())
                        .addKeyValue("retryIn", backoff.delay(1))
                        .log();
            }
        }
        state.waiting = true;
        long generation = ++state.retryGeneration;
        timer.schedule(() -> retry(state, generation), backoff.delay(state.failures));
    }

    private synchronized void retry(PodState state, long generation) {
        if (pods.get(state.key()) != state || state.retryGeneration != generation || state.inFlight) {
            return;
        }
        state.waiting = false;
        if (state.satisfied()) {
            remove(state);
            metrics.pending(pods.size());
        } else {
            submit(state);
        }
    }

    private void retryWaitingNow() {
        List<PodState> waiting = new ArrayList<>();
        for (PodState other : pods.values()) {
            if (other.waiting && !other.inFlight) {
                waiting.add(other);
            }
        }
        for (PodState other : waiting) {
            other.retryGeneration++;
            other.waiting = false;
            submit(other);
        }
    }

    private void noLongerFailing() {
        if (--failingPods == 0) {
            log.atInfo().setMessage("annotation_patches_recovered")
                    .addKeyValue("failures", episodeFailures)
                    .log();
            episodeFailures = 0;
        }
    }

    private void remove(PodState state) {
        pods.remove(state.key());
        state.retryGeneration++;
        if (state.failures > 0) {
            state.failures = 0;
            noLongerFailing();
        }
    }
}
