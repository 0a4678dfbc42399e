package dev.portlocal.kubernetes;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * How the Kubernetes source runs: the node it serves ({@code NODE_NAME} from the downward API), how often it
 * re-publishes annotations without an event (so mappings that the retry timer opened late get published), how many
 * annotation patches may be in flight at once (one per Pod at most), and the per-Pod patch backoff.
 */
public record KubernetesOptions(String nodeName, Duration publishInterval, int patchThreads, Backoff backoff) {

    /** NodePortLocal runs four workers. */
    public static final int DEFAULT_PATCH_THREADS = 4;
    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofSeconds(5);

    public KubernetesOptions {
        requireNonNull(nodeName, "nodeName");
        if (nodeName.isBlank()) {
            throw new IllegalArgumentException("nodeName: \"" + nodeName + "\" (expected: this node's name, as in "
                    + "the NODE_NAME variable from the downward API)");
        }
        requireNonNull(publishInterval, "publishInterval");
        if (publishInterval.isNegative() || publishInterval.isZero()) {
            throw new IllegalArgumentException("publishInterval: " + publishInterval + " (expected: more than 0)");
        }
        if (patchThreads < 1 || patchThreads > 64) {
            throw new IllegalArgumentException("patchThreads: " + patchThreads + " (expected: 1-64)");
        }
        requireNonNull(backoff, "backoff");
    }

    /** The defaults for {@code nodeName}. */
    public static KubernetesOptions of(String nodeName) {
        return new KubernetesOptions(nodeName, DEFAULT_PUBLISH_INTERVAL, DEFAULT_PATCH_THREADS, Backoff.NPL);
    }
}
