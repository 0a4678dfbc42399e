package dev.portlocal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --log-format json} (config {@code logFormat}) on the real daemon process: every line one JSON object. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LogFormatIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private String[] run(String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--listen-address", "127.0.0.1", "--threads", "1",
                "--port-range", InProcessDaemons.range(5).toString(), "--state-dir", dir.resolve("state").toString(),
                "--api", "unix:" + dir.resolve("api.sock")));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Each line of {@code text} as a JSON object; fails naming the first line that is not one. */
    private static List<JsonNode> jsonLines(String text) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            try {
                JsonNode node = JSON.readTree(line);
                assertTrue(node != null && node.isObject(), "not a JSON object: " + line);
                out.add(node);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + line + "\n(" + e.getMessage() + ")\nin:\n" + text, e);
            }
        }
        return out;
    }

    private static JsonNode event(List<JsonNode> lines, String event) {
        return lines.stream().filter(l -> event.equals(l.path("event").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no event " + event + " in " + lines));
    }

    @Test
    void jsonFromTheFirstLineToTheLast() throws Exception {
        // A quote and a space in a value: JSON escapes them.
        Path mappings = Files.writeString(dir.resolve("end\"points 1.yaml"),
                "endpoints:\n  - name: shop/web\n    ip: 127.0.0.1\n    ports: [{port: 8080}]\n");
        try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"),
                run("--log-format", "json", "--mappings", mappings.toString()))) {
            d.awaitOutput("\"event\":\"started\"", WAIT);
            assertEquals(0, d.terminate(WAIT), d.output());
            List<JsonNode> lines = jsonLines(d.output());
            assertTrue(lines.size() >= 4, d.output());
            for (JsonNode line : lines) {
                for (String field : List.of("time", "level", "logger", "event")) {
                    assertTrue(line.hasNonNull(field), field + " in " + line);
                }
            }
            JsonNode started = event(lines, "started");
            assertEquals("info", started.get("level").asText());
            assertTrue(started.get("threads").isIntegralNumber(), "numbers stay numbers: " + started);
            assertEquals(1, started.get("threads").asInt());
            assertEquals(1, started.get("mappings").asInt());
            assertEquals(mappings.toString(), started.get("mappingsFile").asText());
            assertEquals("stopped", lines.get(lines.size() - 1).get("event").asText());
        }
    }

    @Test
    void aReloadSwitchesTheFormatOnlyWhenItSucceeds() throws Exception {
        Path mappings = Files.writeString(dir.resolve("endpoints.yaml"), "endpoints: []\n");
        Path config = Files.writeString(dir.resolve("config.yaml"), "mappings: " + mappings + "\n");
        try (DaemonProcess d = DaemonProcess.start(dir.resolve("daemon.log"), run("--config", config.toString()))) {
            d.awaitOutput("event=started", WAIT);

            // An invalid mapping file fails the reload: the new format waits for a reload that succeeds.
            Files.writeString(config, "mappings: " + mappings + "\nlogFormat: json\n");
            Files.writeString(mappings, "endpoints: [{name: x}]\n");
            d.awaitOutput("event=mapping_file_rejected", WAIT);
            int before = d.output().length();
            d.signal("HUP");
            d.awaitOutput("event=reloaded result=invalid", WAIT);

            Files.writeString(mappings, "endpoints: []\n");
            Waits.until(() -> "the fixed file applied:\n" + d.output(), WAIT,
                    () -> d.output().split("event=mappings_applied", -1).length == 3);
            int beforeReload = d.output().length();
            d.signal("HUP");
            d.awaitOutput("\"event\":\"reloaded\"", WAIT);
            String afterReload = d.output().substring(beforeReload);
            assertFalse(afterReload.contains("event=reloaded"), afterReload);
            JsonNode reloaded = event(jsonLines(afterReload.substring(afterReload.indexOf("{\"time\""))),
                    "reloaded");
            assertEquals("ok", reloaded.get("result").asText());
            assertTrue(d.output().substring(before, beforeReload).contains("event=reloaded result=invalid"),
                    "the failed reload still logged in logfmt");
            assertEquals(0, d.terminate(WAIT), d.output());
        }
    }
}
