package dev.portlocal.supervision;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor without threads or clocks: a body that fails, a pause that records what it was asked to wait. */
class SupervisorTest {

    @Test
    void theBackoffDoublesFromATenthOfASecondToThirtySeconds() {
        List<Long> backoffs = new ArrayList<>();
        for (int failures = 1; failures <= 12; failures++) {
            backoffs.add(Supervisor.backoffMillis(failures));
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 25600L, 30000L, 30000L, 30000L),
                backoffs);
        assertEquals(30000L, Supervisor.backoffMillis(Integer.MAX_VALUE));
    }

    @Test
    void aFailingBodyIsCountedMarkedDownAndRunAgainUntilItReturns() {
        Supervisor supervisor = new Supervisor();
        List<Long> pauses = new ArrayList<>();
        List<Set<String>> downDuringPause = new ArrayList<>();
        int[] runs = {0};
        int[] changes = {0};
        supervisor.onChange(() -> changes[0]++);
        supervisor.run("worker", () -> {
            runs[0]++;
            if (runs[0] == 1) {
                throw new OutOfMemoryError("Java heap space");
            }
            if (runs[0] <= 3) {
                throw new IllegalStateException("boom " + runs[0]);
            }
        }, () -> false, millis -> {
            pauses.add(millis);
            downDuringPause.add(supervisor.down());
            return false;
        });
        assertEquals(4, runs[0], "an Error and two exceptions, then a run that returns");
        assertEquals(List.of(100L, 200L, 400L), pauses);
        assertEquals(List.of(Set.of("worker"), Set.of("worker"), Set.of("worker")), downDuringPause);
        assertEquals(Set.of(), supervisor.down(), "up again");
        assertEquals(Map.of("worker", 3L), supervisor.restarts());
        assertEquals(6, changes[0], "down and up, three times");
    }

    @Test
    void stoppingDuringThePauseEndsTheSupervision() {
        Supervisor supervisor = new Supervisor();
        int[] runs = {0};
        supervisor.run("worker", () -> {
            runs[0]++;
            throw new IllegalStateException("always");
        }, () -> false, millis -> true);
        assertEquals(1, runs[0]);
        assertEquals(Set.of(), supervisor.down());
        assertEquals(Map.of("worker", 1L), supervisor.restarts());
    }

    @Test
    void aPeriodicTaskThatFailsIsCountedAndTheNextRunGoesAhead() {
        Supervisor supervisor = new Supervisor();
        int[] runs = {0};
        Runnable task = supervisor.periodic("control", () -> {
            runs[0]++;
            throw new AssertionError("a bug");
        });
        assertEquals(Map.of("control", 0L), supervisor.restarts(), "registered at 0");
        task.run();
        task.run();
        assertEquals(2, runs[0]);
        assertTrue(supervisor.restarts().get("control") == 2L);
    }
}
