package dev.portlocal.bench.runner;

import dev.portlocal.bench.load.UdpEchoWorkload;
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
        assertEquals(1_001, o.footprintMappings(), "as many as the default port range holds");
        assertEquals(Duration.ofSeconds(10), o.footprintSettle());
        assertEquals(Duration.ofMillis(2500), o.measure());
        assertEquals(new RunnerOptions.UdpOptions(true, List.of(64, 1400), 8, 16, 50, Duration.ofMillis(200)),
                o.udp());
        assertEquals(Duration.ofSeconds(840), o.deadline());
        assertEquals(Set.of("direct", "portlocal", "haproxy", "nginx"), o.targets(), "no kernel-dnat on loopback");
        assertEquals(RunnerOptions.TopologyKind.LOOPBACK, o.topology());
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
        assertEquals(Duration.ofSeconds(130), quick.deadline());
        assertEquals(List.of(64), quick.udp().sizes());
        assertTrue(quick.udp().enabled());
        assertEquals(Duration.ofSeconds(3), quick.footprintSettle());
        assertEquals(0, RunnerOptions.parse(List.of("--footprint", "0")).footprintMappings());
        IllegalArgumentException big = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RunnerOptions.parse(List.of("--footprint", "5000")));
        assertTrue(big.getMessage().startsWith("footprint: 5000"), big.getMessage());
        assertFalse(RunnerOptions.parse(List.of()).footprintOnly());
        assertTrue(RunnerOptions.parse(List.of("--footprint-only")).footprintOnly());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> RunnerOptions.parse(List.of("--footprint-only", "--footprint", "0")));
        assertTrue(none.getMessage().startsWith("footprint-only:"), none.getMessage());

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
    void parsesTheUdpOptionsIntoTheWorkloadShapes() {
        RunnerOptions o = RunnerOptions.parse(List.of("--udp-sizes", "128,9000", "--udp-sockets", "4",
                "--udp-window", "32", "--udp-rr-sockets", "10", "--udp-loss-timeout", "0.5"));
        assertEquals(List.of(128, 9000), o.udp().sizes());
        assertEquals(new UdpEchoWorkload.Shape(4, 32, 9000, Duration.ofMillis(500)), o.udp().throughput(9000));
        assertEquals(new UdpEchoWorkload.Shape(10, 1, 128, Duration.ofMillis(500)), o.udp().requestResponse());
        assertFalse(RunnerOptions.parse(List.of("--no-udp", "--quick")).udp().enabled());
    }

    @Test
    void errorsNameTheOptionAndWhatWasExpected() {
        assertMessage("unknown option: --fast (expected: see --help)", "--fast");
        assertMessage("--runs: missing value", "--runs");
        assertMessage("--runs: three (expected: an integer)", "--runs", "three");
        assertMessage("runs: 0 (expected: 1-20)", "--runs", "0");
        assertMessage("idle: 20000 (expected: 0-9500)", "--idle", "20000");
        assertMessage("targets: envoy (expected: some of [direct, kernel-dnat, portlocal, haproxy, nginx])",
                "--targets", "envoy");
        assertMessage("targets: [nginx] (expected: to include direct, the baseline)", "--targets", "nginx");
        assertMessage("duration: 0.1 (expected: 0.2-60 s)", "--duration", "0.1");
        assertMessage("udp-sizes: 9001 (expected: 12-9000)", "--udp-sizes", "64,9001");
        assertMessage("--udp-sizes: big (expected: an integer)", "--udp-sizes", "big");
        assertMessage("udp-window: 0 (expected: 1-1024)", "--udp-window", "0");
        assertMessage("udp-sockets: 1001 (expected: 1-1000)", "--udp-sockets", "1001");
        assertMessage("udp-rr-sockets: 0 (expected: 1-1000)", "--udp-rr-sockets", "0");
        assertMessage("udp-loss-timeout: 0.001 (expected: 0.01-10 s)", "--udp-loss-timeout", "0.001");
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
                "--no-cross-check", "--deadline", "--out", "--no-udp", "--udp-sizes", "--udp-sockets",
                "--udp-window", "--udp-rr-sockets", "--udp-loss-timeout")) {
            assertTrue(usage.contains(option), option);
        }
    }

    @Test
    void netnsAddsKernelDnatAndBothRelayPoliciesAndALongerDeadline() {
        RunnerOptions o = RunnerOptions.parse(List.of("--topology", "netns"));
        assertEquals(RunnerOptions.TopologyKind.NETNS, o.topology());
        assertEquals(Set.copyOf(RunnerOptions.KNOWN_TARGETS), o.targets());
        assertEquals(List.of(new PortlocalMode("auto", List.of("--splice", "auto")),
                new PortlocalMode("never", List.of("--splice", "never"))), o.portlocalModes());
        assertEquals(Duration.ofSeconds(1500), o.deadline());
        assertEquals(Duration.ofSeconds(300),
                RunnerOptions.parse(List.of("--quick", "--topology", "NetNS")).deadline());
        RunnerOptions picked = RunnerOptions.parse(List.of("--topology", "netns", "--targets", "direct,kernel-dnat",
                "--portlocal-mode", "copy=--splice never"));
        assertEquals(Set.of("direct", "kernel-dnat"), picked.targets());
        assertEquals(List.of(new PortlocalMode("copy", List.of("--splice", "never"))), picked.portlocalModes());
    }

    @Test
    void kernelDnatNeedsTheTopologyAndTheTopologyIsOneOfTwo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunnerOptions.parse(List.of("--targets", "direct,kernel-dnat")));
        assertTrue(e.getMessage().startsWith("targets: kernel-dnat (expected: with --topology netns"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RunnerOptions.parse(List.of("--topology", "vm")));
        assertEquals("topology: vm (expected: loopback or netns)", e.getMessage());
    }
}
