package dev.portlocal.bench.runner;

import dev.portlocal.bench.runner.RunnerOptions.PortlocalMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunnerOptionsTest {

    @Test
    void fullRunDefaults() {
        RunnerOptions o = RunnerOptions.parse(List.of());
        assertFalse(o.quick());
        assertEquals(3, o.runs());
        assertEquals(List.of(1, 4), o.streams());
        assertEquals(9_000, o.idleConnections());
        assertEquals(Duration.ofSeconds(840), o.deadline());
        assertEquals(Set.copyOf(RunnerOptions.KNOWN_TARGETS), o.targets());
        assertEquals(List.of(RunnerOptions.DEFAULT_MODE), o.portlocalModes());
        assertEquals(Path.of("proxy-core/target/portlocal.jar"), o.portlocalJar());
        assertTrue(o.crossCheck());
    }

    @Test
    void quickChangesTheDefaultsButExplicitOptionsWinInAnyOrder() {
        RunnerOptions quick = RunnerOptions.parse(List.of("--quick"));
        assertEquals(1, quick.runs());
        assertEquals(List.of(1), quick.streams());
        assertEquals(Duration.ofMillis(1200), quick.measure());
        assertEquals(Duration.ofSeconds(115), quick.deadline());

        RunnerOptions both = RunnerOptions.parse(List.of("--runs", "2", "--quick", "--duration", "2.5"));
        assertEquals(2, both.runs());
        assertEquals(Duration.ofMillis(2500), both.measure());
    }

    @Test
    void parsesListsTargetsAndRepeatableModes() {
        RunnerOptions o = RunnerOptions.parse(List.of("--streams", "1,2,8", "--targets", "direct,HAProxy",
                "--portlocal-mode", "copy", "--portlocal-mode", "splice-always=--splice always",
                "--portlocal-threads", "2", "--rate", "5000", "--no-cross-check", "--out", "/tmp/x"));
        assertEquals(List.of(1, 2, 8), o.streams());
        assertEquals(Set.of("direct", "haproxy"), o.targets());
        assertEquals(List.of(new PortlocalMode("copy", List.of()),
                new PortlocalMode("splice-always", List.of("--splice", "always"))), o.portlocalModes());
        assertEquals(List.of(2), o.portlocalThreads());
        assertEquals(5000, o.rate());
        assertFalse(o.crossCheck());
        assertEquals(Path.of("/tmp/x"), o.outputDir());
    }

    @Test
    void errorsNameTheOptionAndWhatWasExpected() {
        assertMessage("unknown option: --fast (expected: see --help)", "--fast");
        assertMessage("--runs: missing value", "--runs");
        assertMessage("--runs: three (expected: an integer)", "--runs", "three");
        assertMessage("runs: 0 (expected: 1-20)", "--runs", "0");
        assertMessage("idle: 20000 (expected: 0-9500)", "--idle", "20000");
        assertMessage("targets: envoy (expected: some of [direct, portlocal, haproxy, nginx])", "--targets", "envoy");
        assertMessage("targets: [nginx] (expected: to include direct, the baseline)", "--targets", "nginx");
        assertMessage("duration: 0.1 (expected: 0.2-60 s)", "--duration", "0.1");
        assertMessage("portlocal mode name: Bad Mode (expected: lower-case letters, digits and dashes)",
                "--portlocal-mode", "Bad Mode");
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunnerOptions.parse(List.of(args)));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void usageMentionsEveryOption() {
        String usage = RunnerOptions.usage();
        for (String option : List.of("--quick", "--runs", "--warmup", "--duration", "--streams", "--connections",
                "--rate", "--conn-concurrency", "--idle", "--targets", "--portlocal-mode", "--portlocal-threads",
                "--portlocal-jar", "--portlocal-java-opts", "--client-threads", "--backend-threads",
                "--no-cross-check", "--deadline", "--out")) {
            assertTrue(usage.contains(option), option);
        }
    }
}
