package dev.portlocal.daemon;

import dev.portlocal.model.PortRange;
import dev.portlocal.testing.BlockingBackend;
import dev.portlocal.testing.DaemonProcess;
import dev.portlocal.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hostile mapping files against the real daemon process: each version is rejected with its own message in the
 * log, the daemon stays alive, a canary mapping keeps serving byte-exact, and after the last bad version a good
 * one is picked up. At start, a FIFO or {@code /dev/zero} as the mapping file exits 2 with one line, as
 * {@code portlocal check} says.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostileMappingFileIT {

    private static final Duration WAIT = CanaryDaemon.WAIT;

    @TempDir
    Path dir;

    private static String entry(String name, int port, int nodePort) {
        return CanaryDaemon.entry(name, "127.0.0.1", port, nodePort);
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo works here");
    }

    /** Points {@code file} at {@code target} with one rename, so the watcher never sees it missing. */
    private void linkTo(Path file, Path target) throws IOException {
        Path temp = dir.resolve("link.tmp");
        Files.deleteIfExists(temp);
        Files.createSymbolicLink(temp, target);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Replaces {@code file} by {@code content} with one rename. */
    private void replace(Path file, byte[] content) throws IOException {
        Path temp = dir.resolve("content.tmp");
        Files.write(temp, content);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static int rejections(DaemonProcess d) {
        return d.output().split("event=mapping_file_rejected", -1).length - 1;
    }

    private record Hostile(String what, String message, HostileWrite write) {
    }

    @FunctionalInterface
    private interface HostileWrite {
        void to(Path file) throws Exception;
    }

    @Test
    void everyHostileVersionIsRejectedWithItsOwnMessageAndTheCanaryKeepsServing() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        Path fifo = dir.resolve("fifo");
        mkfifo(fifo);
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        try (BlockingBackend echo = BlockingBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream()))) {
            int backend = echo.address().getPort();
            PortRange range = InProcessDaemons.range(5);
            Path mappings = dir.resolve("endpoints.yaml");
            String canary = "endpoints:\n" + entry("canary", backend, range.start());
            Files.writeString(mappings, canary);
            try (DaemonProcess d = CanaryDaemon.start(dir, mappings, range, "unix:" + dir.resolve("api.sock"))) {
                CanaryDaemon.assertEchoes(range.start());

                StringBuilder bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
                for (int i = 1; i < 10; i++) {
                    bomb.append("a").append(i).append(": &a").append(i).append(" [")
                            .append(String.join(", ", Collections.nCopies(9, "*a" + (i - 1)))).append("]\n");
                }
                byte[] badUtf8 = (canary + "# caf\u00e9\n").getBytes(StandardCharsets.UTF_8);
                badUtf8[badUtf8.length - 2] = (byte) 0xff;
                byte[] junk = new byte[256 * 1024];
                new Random(42).nextBytes(junk);
                List<Hostile> hostile = List.of(
                        new Hostile("a symlink to /dev/zero", "endpoints.yaml: a character device, not a regular file",
                                file -> linkTo(file, Path.of("/dev/zero"))),
                        new Hostile("a FIFO", "endpoints.yaml: a FIFO, not a regular file",
                                file -> linkTo(file, fifo)),
                        new Hostile("a directory", "endpoints.yaml: a directory, not a regular file",
                                file -> linkTo(file, directory)),
                        new Hostile("a 20 MB file", "endpoints.yaml: 20971520 bytes (expected: at most 16777216 bytes, "
                                + "maxMappingFileBytes)", file -> {
                                    Path big = dir.resolve("big.yaml");
                                    try (OutputStream out = Files.newOutputStream(big)) {
                                        out.write(canary.getBytes(StandardCharsets.UTF_8));
                                        byte[] comment = ("#" + "x".repeat(1022) + "\n")
                                                .getBytes(StandardCharsets.US_ASCII);
                                        for (long n = canary.length(); n < 20L * 1024 * 1024; n += comment.length) {
                                            out.write(comment, 0, (int) Math.min(comment.length,
                                                    20L * 1024 * 1024 - n));
                                        }
                                    }
                                    Files.move(big, file, StandardCopyOption.ATOMIC_MOVE,
                                            StandardCopyOption.REPLACE_EXISTING);
                                }),
                        new Hostile("an alias bomb", "endpoints.yaml: line 2, column 10: *a0: an alias",
                                file -> replace(file, bomb.toString().getBytes(StandardCharsets.UTF_8))),
                        new Hostile("100,000-deep nesting", "nesting depth",
                                file -> replace(file, ("endpoints: " + "[".repeat(100_000) + "]".repeat(100_000))
                                        .getBytes(StandardCharsets.UTF_8))),
                        new Hostile("invalid UTF-8", "endpoints.yaml: not UTF-8 at byte " + (badUtf8.length - 3),
                                file -> replace(file, badUtf8)),
                        new Hostile("binary junk", "endpoints.yaml: not UTF-8 at byte ",
                                file -> replace(file, junk)),
                        new Hostile("duplicate keys", "Duplicate field 'endpoints'",
                                file -> replace(file, (canary + "endpoints: []\n").getBytes(StandardCharsets.UTF_8))));
                int expected = rejections(d);
                for (Hostile version : hostile) {
                    int before = d.output().length();
                    version.write().to(mappings);
                    expected++;
                    int want = expected;
                    Waits.until(version.what() + " rejected", WAIT, () -> rejections(d) >= want || !d.isAlive());
                    assertTrue(d.isAlive(), version.what() + ": the daemon died:\n" + d.output());
                    String logged = d.output().substring(before);
                    assertTrue(logged.contains(version.message()), version.what() + ": '" + version.message()
                            + "' in\n" + logged);
                    assertEquals(want, rejections(d), version.what() + " rejected once:\n" + logged);
                    CanaryDaemon.assertEchoes(range.start());
                }
                // After the last bad version, a good one is picked up.
                replace(mappings, (canary + entry("second", backend, range.start() + 1))
                        .getBytes(StandardCharsets.UTF_8));
                Waits.until("the good version listens", WAIT, () -> d.listeningTcpPorts().contains(range.start() + 1));
                CanaryDaemon.assertEchoes(range.start() + 1);
                CanaryDaemon.assertEchoes(range.start());
                assertTrue(!d.output().contains("Exception in thread"), d.output());
                assertEquals(0, d.terminate(WAIT), d.output());
            }
        }
    }

    @Test
    void aFifoOrDevZeroAsTheMappingFileAtStartExitsTwoWithOneLineAsCheckSays() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        Path fifo = dir.resolve("fifo.yaml");
        mkfifo(fifo);
        Path zero = Files.createSymbolicLink(dir.resolve("zero.yaml"), Path.of("/dev/zero"));
        for (Path file : List.of(fifo, zero)) {
            String name = file.getFileName().toString();
            String expected = name + ": " + (file.equals(fifo) ? "a FIFO" : "a character device") + ", not a regular "
                    + "file (expected: a regular file, or a symlink to one; a FIFO, device or directory is never "
                    + "opened)";
            try (DaemonProcess run = DaemonProcess.start(dir.resolve(name + ".run.log"), "run", "--mappings",
                    file.toString(), "--listen-address", "127.0.0.1", "--state-dir", dir.resolve("state").toString(),
                    "--threads", "1", "--api", "unix:" + dir.resolve("api.sock"))) {
                assertEquals(2, run.waitFor(WAIT), run.output());
                assertEquals(List.of(expected), run.output().lines()
                        .filter(line -> line.startsWith(name + ":")).toList(), run.output());
                assertTrue(!run.output().contains("Exception"), run.output());
            }
            try (DaemonProcess check = DaemonProcess.start(dir.resolve(name + ".check.log"), "check",
                    file.toString())) {
                assertEquals(2, check.waitFor(WAIT), check.output());
                assertEquals(expected, check.output().strip());
            }
        }
    }
}
