package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.metrics.DaemonMetrics.ReloadResult;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.LogCapture;
import dev.portlocal.testing.PrometheusText;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Daemon#reload}: what a SIGHUP does, on an in-process daemon. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReloadIT {

    @RegisterExtension
    final InProcessDaemons daemons = new InProcessDaemons();

    @TempDir
    Path dir;

    private static String file(String... names) {
        StringBuilder sb = new StringBuilder("endpoints:\n");
        int port = 8000;
        for (String name : names) {
            sb.append("  - name: ").append(name).append("\n    ip: 127.0.0.1\n    ports:\n      - port: ")
                    .append(port++).append('\n');
        }
        return sb.toString();
    }

    private static Set<String> endpoints(Daemon daemon) {
        return daemon.service().mappings().stream().map(MappingStatus::key).map(k -> k.endpoint())
                .collect(Collectors.toSet());
    }

    private static ReloadResult reload(Daemon daemon, java.util.function.Supplier<DaemonConfig> next)
            throws Exception {
        return daemon.reload(next).get(20, TimeUnit.SECONDS);
    }

    private static double reloads(Daemon daemon, String result) {
        return PrometheusText.parse(new String(daemon.metrics().scrape(), java.nio.charset.StandardCharsets.UTF_8))
                .value("portlocal_reloads_total", Map.of("result", result));
    }

    @Test
    void anInvalidConfigOrMappingFileLeavesTheOldOneServingAndIsCounted() throws Exception {
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, file("a", "b"));
        Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(10)).mappingsFile(mappings));
        assertEquals(Set.of("a", "b"), endpoints(daemon));

        assertEquals(ReloadResult.INVALID, reload(daemon, () -> {
            throw new IllegalArgumentException("threads: 0 (expected: 1-256)");
        }));
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "endpoints:\n  - name: c\n    ip: not-an-ip\n    ports: []\n");
        DaemonConfig pointsAtBroken = DaemonConfig.builder().portRange(daemon.config().portRange())
                .listenAddresses(daemon.config().listenAddresses()).api(daemon.config().api()).threads(1)
                .drainTimeout(daemon.config().drainTimeout()).stateDir(daemon.config().stateDir())
                .mappingsFile(broken).build();
        assertEquals(ReloadResult.INVALID, reload(daemon, () -> pointsAtBroken));
        assertEquals(Set.of("a", "b"), endpoints(daemon), "the old mapping file goes on serving");
        assertEquals(2, reloads(daemon, "invalid"));
        assertEquals(0, reloads(daemon, "ok"));
    }

    @Test
    void aNewMappingFilePathAppliesAtOnceAndRestartOnlyOptionsAreKept() throws Exception {
        Path first = dir.resolve("first.yaml");
        Path second = dir.resolve("second.yaml");
        Files.writeString(first, file("a"));
        Files.writeString(second, file("b", "c"));
        PortRange range = InProcessDaemons.range(10);
        Daemon daemon = daemons.start(b -> b.portRange(range).mappingsFile(first));
        DaemonConfig next = DaemonConfig.builder().portRange(new PortRange(range.start(), range.start() + 1))
                .listenAddresses(daemon.config().listenAddresses()).api(daemon.config().api()).threads(1)
                .drainTimeout(daemon.config().drainTimeout()).stateDir(daemon.config().stateDir())
                .mappingsFile(second).build();
        assertEquals(ReloadResult.OK, reload(daemon, () -> next));
        assertEquals(Set.of("b", "c"), endpoints(daemon));
        assertEquals(range, daemon.service().range(), "the port range needs a restart");
        assertEquals(1, reloads(daemon, "ok"));

        // The new path is the one watched now.
        Files.writeString(second, file("b"));
        dev.portlocal.testing.Waits.until("the new file is watched", java.time.Duration.ofSeconds(10),
                () -> endpoints(daemon).equals(Set.of("b")));
    }

    @Test
    void theWatcherIsTheOneReaderOfTheMappingFileAndEachVersionReadIsAppliedOnce() throws Exception {
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, file("a", "b"));
        try (LogCapture logs = LogCapture.start()) {
            Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(10)).mappingsFile(mappings));
            // The reload runs on the control thread after anything the start queued there.
            assertEquals(ReloadResult.OK, reload(daemon, daemon::config));
            assertEquals(2, logs.count("mapping_file_loaded"), "read once at start and once on SIGHUP, by the watcher");
            assertEquals(2, logs.count("mappings_applied"), "each version read is applied once");
            assertEquals(Set.of("a", "b"), endpoints(daemon));
        }
    }

    private static JsonNode reloadInfo(Daemon daemon) throws Exception {
        return InProcessDaemons.client(daemon).get("/v1/info").json().get("reload");
    }

    private static double gauge(Daemon daemon, String name) {
        return PrometheusText.parse(new String(daemon.metrics().scrape(), java.nio.charset.StandardCharsets.UTF_8))
                .value(name, Map.of());
    }

    @Test
    void aRefusedReloadShowsInTheInfoAndTheMetricsUntilOneSucceeds() throws Exception {
        Path mappings = dir.resolve("endpoints.yaml");
        Files.writeString(mappings, file("a"));
        Instant beforeStart = Instant.now();
        Daemon daemon = daemons.start(b -> b.portRange(InProcessDaemons.range(10)).mappingsFile(mappings));
        JsonNode started = reloadInfo(daemon);
        assertTrue(started.get("lastSuccessful").asBoolean(), started.toString());
        assertEquals(0, started.get("errors").size());
        Instant startedAt = Instant.parse(started.get("lastSuccessTime").asText());
        assertFalse(startedAt.isBefore(beforeStart.minusMillis(1)), "the start is the first success");
        assertEquals(1, gauge(daemon, "portlocal_config_last_reload_successful"));
        assertEquals(startedAt.toEpochMilli() / 1000.0,
                gauge(daemon, "portlocal_config_last_reload_success_timestamp_seconds"));

        // The watcher's own reload of a changed file counts, not only SIGHUP.
        Files.writeString(mappings, "endpoints:\n  - name: a\n    ip: nope\n    ports: [{port: 8000}]\n");
        Waits.until("the refused file in /v1/info", Duration.ofSeconds(10),
                () -> !call(() -> reloadInfo(daemon)).get("lastSuccessful").asBoolean());
        JsonNode refused = reloadInfo(daemon);
        assertEquals("[\"endpoints.yaml: endpoints[0] (a): ip: nope (expected: an IPv4 or IPv6 address)\"]",
                refused.get("errors").toString());
        assertEquals(startedAt.toString(), refused.get("lastSuccessTime").asText(), "the last success stays");
        assertEquals(0, gauge(daemon, "portlocal_config_last_reload_successful"));
        assertEquals(startedAt.toEpochMilli() / 1000.0,
                gauge(daemon, "portlocal_config_last_reload_success_timestamp_seconds"));
        assertEquals(Set.of("a"), endpoints(daemon), "the old state serves on");

        // A refused config on SIGHUP, likewise.
        assertEquals(ReloadResult.INVALID, reload(daemon, () -> {
            throw new IllegalArgumentException("threads: 0 (expected: 1-256)");
        }));
        assertEquals("threads: 0 (expected: 1-256)", reloadInfo(daemon).get("errors").get(0).asText());

        Files.writeString(mappings, file("b"));
        Waits.until("the fixed file in /v1/info", Duration.ofSeconds(10),
                () -> call(() -> reloadInfo(daemon)).get("lastSuccessful").asBoolean());
        JsonNode fixed = reloadInfo(daemon);
        assertEquals(0, fixed.get("errors").size());
        Instant fixedAt = Instant.parse(fixed.get("lastSuccessTime").asText());
        assertFalse(fixedAt.isBefore(startedAt));
        assertEquals(1, gauge(daemon, "portlocal_config_last_reload_successful"));
        assertEquals(fixedAt.toEpochMilli() / 1000.0,
                gauge(daemon, "portlocal_config_last_reload_success_timestamp_seconds"));
        assertEquals(Set.of("b"), endpoints(daemon));
    }

    /** For polls: a checked call as unchecked. */
    private static <T> T call(java.util.concurrent.Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
