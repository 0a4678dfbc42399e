package dev.portlocal.cli;

import dev.portlocal.testing.DaemonProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code portlocal demo} as a new user runs it from a checkout: the lines it prints work as printed, the node port
 * answers, Ctrl-C (SIGINT) stops it at once although its own self-check went through, and its temporary directory
 * is gone afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoIT {

    @TempDir
    Path dir;

    @Test
    void thePrintedLinesWorkCtrlCStopsAtOnceAndNothingIsLeft() throws Exception {
        try (DaemonProcess demo = DaemonProcess.start(dir.resolve("demo.log"), "demo")) {
            demo.awaitOutput("Ctrl-C stops the demo.", Duration.ofSeconds(30));
            String out = demo.output();
            Matcher curl = Pattern.compile("curl (http://127\\.0\\.0\\.1:\\d+/)").matcher(out);
            assertTrue(curl.find(), out);
            HttpURLConnection c = (HttpURLConnection) new URL(curl.group(1)).openConnection();
            assertEquals(200, c.getResponseCode());
            assertEquals("hello from the portlocal demo backend\n",
                    new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            c.disconnect();
            Matcher mappings = Pattern.compile("  (java -jar target/portlocal\\.jar mappings --api \\S+)").matcher(out);
            assertTrue(mappings.find(), "a command that works in the checkout:\n" + out);
            Process p = new ProcessBuilder(mappings.group(1).split(" ")).redirectErrorStream(true).start();
            String listed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), listed);
            assertTrue(listed.contains("demo/hello"), listed);
            assertTrue(out.contains("listening on 127.0.0.1:"), out);
            Matcher file = Pattern.compile("The mapping file is (\\S+)/endpoints\\.yaml;").matcher(out);
            assertTrue(file.find(), out);
            Path tmp = Path.of(file.group(1));
            assertTrue(Files.isDirectory(tmp));

            demo.signal("INT");
            assertEquals(0, demo.waitFor(Duration.ofSeconds(10)), demo.output());
            assertFalse(Files.exists(tmp), "the demo removed " + tmp);
        }
    }
}
