package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.api.ApiAddress;
import dev.portlocal.api.ApiClient;
import dev.portlocal.model.PortRange;
import dev.portlocal.testing.DaemonProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of the real daemon while a client writes endpoints through the unix socket, 20 times on one state
 * directory: after each restart every endpoint whose PUT was acknowledged is there, and no temporary state file is
 * left.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KillDuringWritesIT {

    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    @Test
    void noAcknowledgedEndpointIsLostAndNoTempFileIsLeft() throws Exception {
        PortRange range = InProcessDaemons.range(400);
        Path state = dir.resolve("state");
        Path socket = dir.resolve("api.sock");
        Set<String> acknowledged = new HashSet<>();
        Random random = new Random(16);
        int killedMidWrite = 0;
        for (int round = 0; round <= ROUNDS; round++) {
            try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon-" + round + ".log"),
                    Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"), "run",
                    "--port-range", range.toString(), "--listen-address", "127.0.0.1", "--state-dir",
                    state.toString(), "--threads", "1", "--api", "127.0.0.1:0", "--api-socket", socket.toString())) {
                d.awaitOutput("event=started", CanaryDaemon.WAIT);
                ApiClient api = new ApiClient(new ApiAddress.Unix(socket), Optional.empty(), Duration.ofSeconds(10));
                Set<String> present = names(api);
                assertTrue(present.containsAll(acknowledged), "round " + round + ": lost "
                        + difference(acknowledged, present));
                assertEquals(List.of(), tempFiles(state), "round " + round + ": temp files after the start");
                if (round == ROUNDS) {
                    assertEquals(0, d.terminate(CanaryDaemon.WAIT), d.output());
                    break;
                }
                List<String> acks = new CopyOnWriteArrayList<>();
                int writes = 3 + random.nextInt(10);
                int finalRound = round;
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < 15; i++) {
                        String name = "r" + finalRound + "-" + i;
                        try {
                            ApiClient.Response r = api.put(ApiClient.endpointPath(name),
                                    ("{\"ip\":\"127.0.0.1\",\"ports\":[{\"port\":" + (20000 + i) + "}]}")
                                            .getBytes(StandardCharsets.UTF_8));
                            if (r.status() == 201) {
                                acks.add(name);
                            }
                        } catch (IOException e) {
                            return; // killed mid-request: not acknowledged
                        }
                    }
                }, "writer");
                writer.start();
                for (int i = 0; i < 1000 && acks.size() < writes && writer.isAlive(); i++) {
                    Thread.sleep(2);
                }
                new ProcessBuilder("kill", "-9", Long.toString(d.pid())).inheritIO().start().waitFor();
                writer.join(TimeUnit.SECONDS.toMillis(20));
                if (acks.size() < 15) {
                    killedMidWrite++;
                }
                acknowledged.addAll(acks);
                d.waitFor(CanaryDaemon.WAIT);
            }
        }
        System.out.println("KillDuringWritesIT: " + ROUNDS + " kill -9, " + acknowledged.size()
                + " acknowledged endpoints, all present; " + killedMidWrite + " kills while the writer was writing");
        assertTrue(killedMidWrite >= ROUNDS / 2, "most kills hit a writing client: " + killedMidWrite);
    }

    private static Set<String> names(ApiClient api) throws IOException {
        Set<String> names = new HashSet<>();
        for (JsonNode e : api.get("/v1/endpoints").json()) {
            names.add(e.path("name").asText());
        }
        return names;
    }

    private static List<String> difference(Set<String> a, Set<String> b) {
        List<String> out = new ArrayList<>(a);
        out.removeAll(b);
        return out;
    }

    private static List<String> tempFiles(Path state) throws IOException {
        try (Stream<Path> files = Files.list(state)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }
}
