package dev.portlocal.kubernetes;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The writer on virtual time: a timer that only records, patches run on the calling thread. */
class AnnotationWriterTest {

    private static final Optional<String> A = Optional.of("[{\"podPort\":80}]");
    private static final Optional<String> B = Optional.of("[{\"podPort\":81}]");

    private final List<String> patches = new ArrayList<>();
    private final Map<String, Integer> failuresLeft = new HashMap<>();
    private final List<Duration> delays = new ArrayList<>();
    private final List<Runnable> timers = new ArrayList<>();
    private final KubernetesMetrics metrics = new KubernetesMetrics();
    private Runnable duringPatch = () -> { };

    private final AnnotationWriter writer = new AnnotationWriter((namespace, name, value) -> {
        patches.add(name + "=" + value.orElse("null"));
        duringPatch.run();
        if (name.startsWith("gone")) {
            throw new AnnotationWriter.PodGoneException("404", null);
        }
        Integer left = failuresLeft.get(name);
        if (left != null && left > 0) {
            failuresLeft.put(name, left - 1);
            throw new IllegalStateException("connection refused");
        }
    }, Runnable::run, (task, delay) -> {
        delays.add(delay);
        timers.add(task);
    }, Backoff.NPL, metrics);

    private void fireTimers() {
        List<Runnable> due = new ArrayList<>(timers);
        timers.clear();
        due.forEach(Runnable::run);
    }

    @Test
    void patchesOnlyWhatDiffersAndNeverTwiceForAStaleCache() {
        writer.offer("ns", "p", A, Optional.empty(), "1");
        writer.offer("ns", "p", A, Optional.empty(), "1");
        writer.offer("ns", "p", A, A, "2");
        writer.offer("ns", "q", A, A, "5");

        assertEquals(List.of("p=" + A.get()), patches);
        assertEquals(1, metrics.patchesSent());
        assertEquals(0, writer.pending());
    }

    @Test
    void aHandEditIsWrittenOver() {
        writer.offer("ns", "p", A, Optional.empty(), "1");
        writer.offer("ns", "p", A, B, "3");
        assertEquals(List.of("p=" + A.get(), "p=" + A.get()), patches);
    }

    @Test
    void anEmptyValueRemovesTheAnnotation() {
        writer.offer("ns", "p", Optional.empty(), A, "1");
        assertEquals(List.of("p=null"), patches);
    }

    @Test
    void failuresBackOffFromTwoSecondsToTwoMinutes() {
        failuresLeft.put("p", 9);
        writer.offer("ns", "p", A, Optional.empty(), "1");
        for (int i = 0; i < 9; i++) {
            fireTimers();
        }

        assertEquals(List.of(2L, 4L, 8L, 16L, 32L, 64L, 120L, 120L, 120L),
                delays.stream().map(Duration::toSeconds).toList());
        assertEquals(10, patches.size());
        assertEquals(9, metrics.patchesFailed());
        assertEquals(1, metrics.patchesSent());
        assertEquals(0, writer.pending());
        assertEquals(List.of(), timers, "no retry after the success");
    }

    @Test
    void aSuccessAfterFailuresRetriesEveryWaitingPodAtOnce() {
        failuresLeft.put("p", 1);
        failuresLeft.put("q", 1);
        writer.offer("ns", "p", A, Optional.empty(), "1");
        writer.offer("ns", "q", A, Optional.empty(), "1");
        assertEquals(2, writer.pending());
        failuresLeft.put("q", 0);

        timers.remove(0).run();

        assertEquals(List.of("p=" + A.get(), "q=" + A.get(), "p=" + A.get(), "q=" + A.get()), patches);
        assertEquals(0, writer.pending());
        fireTimers();
        assertEquals(4, patches.size(), "q's own timer was voided");
    }

    @Test
    void aDeletedPodIsNotRetried() {
        writer.offer("ns", "gone-1", A, Optional.empty(), "1");
        assertEquals(List.of("gone-1=" + A.get()), patches);
        assertEquals(0, writer.pending());
        assertEquals(List.of(), timers);
    }

    @Test
    void aChangeDuringAPatchIsSentAfterIt() {
        duringPatch = () -> {
            duringPatch = () -> { };
            writer.offer("ns", "p", B, Optional.empty(), "1");
        };
        writer.offer("ns", "p", A, Optional.empty(), "1");
        assertEquals(List.of("p=" + A.get(), "p=" + B.get()), patches);
        assertEquals(0, writer.pending());
    }

    @Test
    void aForgottenPodIsDropped() {
        failuresLeft.put("p", 1);
        writer.offer("ns", "p", A, Optional.empty(), "1");
        writer.forget("ns", "p");
        fireTimers();
        assertEquals(1, patches.size());
        assertEquals(0, writer.pending());
    }

    @Test
    void itsOwnPatchComingBackIsRecognisedAndAHandEditIsNot() {
        writer.offer("ns", "p", A, Optional.empty(), "1");
        assertEquals(true, writer.ownPatchSeen("ns", "p", A, "2"));
        assertEquals(false, writer.ownPatchSeen("ns", "p", B, "3"));
        assertEquals(false, writer.ownPatchSeen("ns", "p", Optional.empty(), "4"));
        assertEquals(false, writer.ownPatchSeen("ns", "q", A, "5"));
        assertEquals(List.of("p=" + A.get()), patches);
    }

    @Test
    void itsOwnValueSeenEndsARetry() {
        failuresLeft.put("p", 1);
        writer.offer("ns", "p", A, Optional.empty(), "1");
        writer.offer("ns", "p", B, Optional.empty(), "1");
        // The first patch failed: nothing written yet, so nothing to recognise.
        assertEquals(false, writer.ownPatchSeen("ns", "p", A, "2"));
        fireTimers();
        assertEquals(0, writer.pending());
        assertEquals(true, writer.ownPatchSeen("ns", "p", B, "3"));
        assertEquals(0, writer.pending());
    }

    @Test
    void itsOwnPatchComingBackBeforeTheAnswerIsRecognised() {
        List<Boolean> seen = new ArrayList<>();
        duringPatch = () -> seen.add(writer.ownPatchSeen("ns", "p", A, "2"));
        writer.offer("ns", "p", A, Optional.empty(), "1");
        assertEquals(List.of(true), seen);
    }
}
