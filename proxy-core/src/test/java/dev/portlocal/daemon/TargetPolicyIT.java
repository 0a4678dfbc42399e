package dev.portlocal.daemon;

import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.FreePorts;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The target policy on the real daemon process: a mapping to the daemon's own API, to its own node ports, or to the
 * cloud metadata service is refused by the API (400), by a reload of the mapping file (rejected whole, the last
 * good state keeps serving) and at start (exit 2, as {@code portlocal check} says).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TargetPolicyIT {

    private static final Duration WAIT = CanaryDaemon.WAIT;

    @TempDir
    Path dir;

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void theApiTheFileAndTheStartRefuseTheDaemonItselfAndTheMetadataService() throws Exception {
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            int backend = echo.address().getPort();
            PortRange range = InProcessDaemons.range(5);
            int apiPort = FreePorts.next();
            String api = "127.0.0.1:" + apiPort;
            Path mappings = dir.resolve("endpoints.yaml");
            String canary = "endpoints:\n" + CanaryDaemon.entry("canary", "127.0.0.1", backend, range.start());
            Files.writeString(mappings, canary);
            Path socket = dir.resolve("api.sock");
            try (DaemonProcess d = CanaryDaemon.start(dir, mappings, range, api, "--api-socket", socket.toString())) {
                CanaryDaemon.assertEchoes(range.start());

                ApiClient tcp = new ApiClient(ApiAddress.parse(api), Optional.empty(), Duration.ofSeconds(10));
                ApiClient.Response readOnly = tcp.put("/v1/endpoints/loop",
                        ("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":" + backend + "}]}")
                                .getBytes(StandardCharsets.UTF_8));
                assertEquals(403, readOnly.status(), "TCP without a token is read-only: " + readOnly);
                ApiClient client = new ApiClient(new ApiAddress.Unix(socket), Optional.empty(),
                        Duration.ofSeconds(10));
                ApiClient.Response self = client.put("/v1/endpoints/loop",
                        ("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":" + apiPort + "}]}")
                                .getBytes(StandardCharsets.UTF_8));
                assertEquals(400, self.status(), self.toString());
                assertEquals("ports[0].port", self.json().get("field").asText());
                assertEquals("ports[0].port: " + apiPort + " (expected: not this daemon's own API, which listens on "
                        + api + ")", self.json().get("error").asText());
                ApiClient.Response nodePort = client.put("/v1/endpoints/loop",
                        ("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":" + range.start() + "}]}")
                                .getBytes(StandardCharsets.UTF_8));
                assertEquals(400, nodePort.status(), nodePort.toString());
                assertTrue(nodePort.json().get("error").asText().contains("the mapping would loop through itself"),
                        nodePort.toString());
                for (String metadata : new String[] {"169.254.169.254", "::ffff:169.254.169.254"}) {
                    ApiClient.Response refused = client.put("/v1/endpoints/metadata",
                            ("{\"ip\":\"" + metadata + "\",\"ports\":[{\"port\":80}]}")
                                    .getBytes(StandardCharsets.UTF_8));
                    assertEquals(400, refused.status(), refused.toString());
                    assertEquals("ip", refused.json().get("field").asText());
                    assertEquals("ip: 169.254.169.254 (expected: not link-local (169.254.0.0/16, which holds the "
                            + "cloud metadata service 169.254.169.254))", refused.json().get("error").asText());
                }
                assertEquals(404, client.get("/v1/endpoints/loop").status(), "nothing was created");

                // The file: rejected whole, the canary keeps serving.
                Files.writeString(mappings, canary + CanaryDaemon.entry("metadata", "169.254.169.254", 80));
                d.awaitOutput("metadata): ip: 169.254.169.254 (expected: not link-local", WAIT);
                Files.writeString(mappings, canary + CanaryDaemon.entry("api", "127.0.0.1", apiPort));
                d.awaitOutput("(api): ports[0].port: " + apiPort + " (expected: not this daemon's own API", WAIT);
                CanaryDaemon.assertEchoes(range.start());
                assertEquals(2, occurrences(d.output(), "event=mapping_file_rejected"), d.output());
                assertEquals(Arrays.asList(range.start()), d.listeningTcpPorts().stream()
                        .filter(range::contains).toList(), "the refused entries bound nothing");

                // A good file after the bad ones is picked up.
                Files.writeString(mappings,
                        canary + CanaryDaemon.entry("second", "127.0.0.1", backend, range.start() + 1));
                Waits.until("the second endpoint listens", WAIT,
                        () -> d.listeningTcpPorts().contains(range.start() + 1));
                CanaryDaemon.assertEchoes(range.start() + 1);
                CanaryDaemon.assertEchoes(range.start());
                assertEquals(0, d.terminate(WAIT), d.output());
            }
        }
    }

    @Test
    void aMappingFileThatTargetsTheDaemonsOwnApiStopsTheStartWithExitTwoAsCheckSays() throws Exception {
        int apiPort = FreePorts.next();
        String api = "127.0.0.1:" + apiPort;
        Path mappings = dir.resolve("self.yaml");
        Files.writeString(mappings, "endpoints:\n" + CanaryDaemon.entry("api", "127.0.0.1", apiPort));
        String expected = "self.yaml: endpoints[0] (api): ports[0].port: " + apiPort + " (expected: not this daemon's "
                + "own API, which listens on " + api + ")";
        try (DaemonProcess run = DaemonProcess.start(dir.resolve("run.log"), "run", "--mappings",
                mappings.toString(), "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                "--threads", "1", "--api", api)) {
            assertEquals(2, run.waitFor(WAIT), run.output());
            assertTrue(run.output().contains(expected), run.output());
        }
        try (DaemonProcess check = DaemonProcess.start(dir.resolve("check.log"), "check", mappings.toString(),
                "--api", api)) {
            assertEquals(2, check.waitFor(WAIT), check.output());
            assertEquals(expected, check.output().strip());
        }
    }
}
