package dev.portlocal.file;

import dev.portlocal.model.Endpoint;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.TargetPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Files built to hurt the reader: each is refused with its own message, fast, and the watcher lives on. */
class HostileMappingFilesTest {

    private static final String GOOD = "endpoints:\n  - name: web\n    ip: 10.0.0.1\n    ports: [{port: 80}]\n";

    @TempDir
    Path dir;

    private final MappingFileParser parser = new MappingFileParser(PortRange.DEFAULT);
    private MappingFileWatcher watcher;

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private String refusal(Path file) {
        MappingFileException e = assertThrows(MappingFileException.class, () -> parser.parse(file));
        assertEquals(1, e.errors().size(), e.getMessage());
        return e.errors().get(0);
    }

    private String refusal(String name, byte[] content) {
        MappingFileException e = assertThrows(MappingFileException.class, () -> parser.parse(name, content));
        return e.errors().get(0);
    }

    static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo works here");
    }

    @Test
    void aFifoIsNeverOpened() throws Exception {
        Path fifo = dir.resolve("endpoints.yaml");
        mkfifo(fifo);
        // Opening a FIFO without a writer would block this thread for good; the check comes first.
        assertEquals("endpoints.yaml: a FIFO, not a regular file (expected: a regular file, or a symlink to one; a "
                + "FIFO, device or directory is never opened)", refusal(fifo));
    }

    @Test
    void aSymlinkToDevZeroADirectoryAndALoopAreRefused() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        Path zero = Files.createSymbolicLink(dir.resolve("zero.yaml"), Path.of("/dev/zero"));
        assertTrue(refusal(zero).startsWith("zero.yaml: a character device, not a regular file"), refusal(zero));
        Path directory = Files.createDirectory(dir.resolve("dir.yaml"));
        assertTrue(refusal(directory).startsWith("dir.yaml: a directory, not a regular file"), refusal(directory));
        Path a = dir.resolve("a.yaml");
        Files.createSymbolicLink(a, dir.resolve("b.yaml"));
        Files.createSymbolicLink(dir.resolve("b.yaml"), a);
        assertTrue(refusal(a).startsWith("a.yaml: "), refusal(a));
    }

    @Test
    void aConfigMapSymlinkChainIsFollowed() throws Exception {
        Path data = Files.createDirectory(dir.resolve("..2026_12_03"));
        Files.writeString(data.resolve("endpoints.yaml"), GOOD);
        Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("endpoints.yaml"), Path.of("..data", "endpoints.yaml"));
        assertEquals(List.of("web"), parser.parse(file).stream().map(Endpoint::name).toList());
    }

    @Test
    void aFileAboveTheLimitIsRefusedWithoutReadingIt() throws Exception {
        Path big = dir.resolve("big.yaml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(20L * 1024 * 1024); // sparse: 20 MB claimed, nothing written
        }
        assertEquals("big.yaml: 20971520 bytes (expected: at most 16777216 bytes, maxMappingFileBytes)",
                refusal(big));
        MappingFileParser small = new MappingFileParser(PortRange.DEFAULT, TargetPolicy.DEFAULT, 64);
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), GOOD);
        MappingFileException e = assertThrows(MappingFileException.class, () -> small.parse(file));
        assertEquals(List.of("endpoints.yaml: " + GOOD.length() + " bytes (expected: at most 64 bytes, "
                + "maxMappingFileBytes)"), e.errors());
        assertEquals("endpoints.yaml: 100 bytes (expected: at most 64 bytes, maxMappingFileBytes)",
                assertThrows(MappingFileException.class, () -> small.parse("endpoints.yaml", new byte[100]))
                        .errors().get(0));
    }

    @Test
    void aliasesAreRefusedSoAnAliasBombNeverExpands() {
        StringBuilder bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            String prev = "*a" + (i - 1);
            bomb.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, prev))).append("]\n");
        }
        String message = refusal("bomb.yaml", bomb.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals("bomb.yaml: line 2, column 10: *a0: an alias (expected: no anchors or aliases; write each value "
                + "out)", message);
        assertTrue(refusal("alias.yaml", ("endpoints:\n  - &web\n    name: web\n    ip: 10.0.0.1\n"
                + "    ports: [{port: 80}]\n  - *web\n").getBytes(StandardCharsets.UTF_8)).contains("an alias"));
    }

    @Test
    void deepNestingIsRefusedInBothFormats() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        String yaml = refusal("deep.yaml", ("endpoints: " + deep).getBytes(StandardCharsets.UTF_8));
        assertTrue(yaml.startsWith("deep.yaml: ") && yaml.contains("nesting depth"), yaml);
        String json = refusal("deep.json", ("{\"endpoints\": " + deep + "}").getBytes(StandardCharsets.UTF_8));
        assertTrue(json.startsWith("deep.json: ") && json.contains("nesting depth"), json);
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            block.append(" ".repeat(i)).append("k").append(i).append(":\n");
        }
        String blockYaml = refusal("block.yaml", block.toString().getBytes(StandardCharsets.UTF_8));
        assertTrue(blockYaml.contains("nesting depth"), blockYaml);
    }

    @Test
    void invalidUtf8BinaryJunkAndDuplicateKeysAreNamed() {
        byte[] bad = "endpoints: []\n# caf\u00e9".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 1] = (byte) 0xff;
        assertEquals("bad.yaml: not UTF-8 at byte 19 (expected: a UTF-8 text file)", refusal("bad.yaml", bad));
        byte[] junk = new byte[64 * 1024];
        new Random(7).nextBytes(junk);
        assertTrue(refusal("junk.yaml", junk).startsWith("junk.yaml: not UTF-8 at byte "));
        assertTrue(refusal("junk.json", junk).startsWith("junk.json: not UTF-8 at byte "));
        String nul = refusal("nul.yaml", "endpoints: []\n\u0000\u0001\u0002".getBytes(StandardCharsets.UTF_8));
        assertTrue(nul.startsWith("nul.yaml: "), nul);
        String dup = refusal("dup.yaml", "endpoints: []\nendpoints: []\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(dup.contains("Duplicate field 'endpoints'"), dup);
    }

    @Test
    void theWatcherOutlivesEveryHostileVersionAndPicksUpTheNextGoodOne() throws Exception {
        BlockingQueue<Object> deliveries = new LinkedBlockingQueue<>();
        Path file = dir.resolve("endpoints.yaml");
        Files.writeString(file, GOOD);
        watcher = new MappingFileWatcher(file, parser, deliveries::add, deliveries::add, Duration.ofMillis(20));
        watcher.start();
        assertInstanceOf(List.class, poll(deliveries));
        Path fifo = dir.resolve("fifo");
        mkfifo(fifo);
        List<Path> hostile = List.of(fifo, Path.of("/dev/zero"), Files.createDirectory(dir.resolve("d")));
        for (Path target : hostile) {
            Files.delete(file);
            Files.createSymbolicLink(file, target);
            Object refused = poll(deliveries);
            assertInstanceOf(MappingFileException.class, refused, target.toString());
            assertTrue(((MappingFileException) refused).getMessage().contains("not a regular file"),
                    ((MappingFileException) refused).getMessage());
        }
        Files.delete(file);
        Files.writeString(file, GOOD.replace("web", "later"));
        Object later = poll(deliveries);
        assertInstanceOf(List.class, later, later.toString());
        assertEquals("later", ((Endpoint) ((List<?>) later).get(0)).name());
    }

    private static Object poll(BlockingQueue<Object> deliveries) throws InterruptedException {
        Object delivery = deliveries.poll(10, TimeUnit.SECONDS);
        assertNotNull(delivery, "nothing delivered within 10 s");
        return delivery;
    }
}
