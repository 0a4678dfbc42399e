package dev.portlocal.kubernetes;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.portlocal.kubernetes.Fixtures.containerPort;
import static dev.portlocal.kubernetes.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which Pod updates are only the source's own annotation patch, and so ask for no reconcile. */
class KubernetesSourceEchoTest {

    private static final Pod BEFORE = new PodBuilder(pod("ns", "web", Map.of("app", "web"), "10.0.0.5",
            containerPort("http", 8080, "TCP"))).editMetadata().withResourceVersion("7").endMetadata().build();

    @Test
    void theAnnotationResourceVersionAndManagedFieldsOnly() {
        Pod after = new PodBuilder(BEFORE).editMetadata()
                .withResourceVersion("8")
                .addToAnnotations(PodAnnotation.KEY, "[]")
                .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("portlocal").build())
                .endMetadata().build();
        assertTrue(KubernetesSource.annotationOnlyChange(BEFORE, after));
    }

    @Test
    void anyOtherChangeCounts() {
        assertFalse(KubernetesSource.annotationOnlyChange(BEFORE, new PodBuilder(BEFORE).editMetadata()
                .addToAnnotations(PortPins.KEY, "8080=30001").endMetadata().build()));
        assertFalse(KubernetesSource.annotationOnlyChange(BEFORE, new PodBuilder(BEFORE).editMetadata()
                .addToLabels("app", "other").endMetadata().build()));
        assertFalse(KubernetesSource.annotationOnlyChange(BEFORE, new PodBuilder(BEFORE).editStatus()
                .withPodIP("10.0.0.6").endStatus().build()));
        assertFalse(KubernetesSource.annotationOnlyChange(BEFORE, new PodBuilder(BEFORE).editMetadata()
                .withDeletionTimestamp("2026-12-03T15:00:00Z").endMetadata().build()));
    }
}
