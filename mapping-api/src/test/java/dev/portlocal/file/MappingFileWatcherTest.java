package dev.portlocal.file;

import dev.portlocal.model.Endpoint;
import dev.portlocal.model.PortRange;
import dev.portlocal.supervision.Supervisor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the watcher on a real directory. Every wait is bounded; nothing sleeps. */
@Timeout(30)
class MappingFileWatcherTest {

    /** The brief allows 1 s to apply a change; the tests allow 2 s to stay robust on a loaded machine. */
    private static final long DEADLINE_MILLIS = 2000;
    private static final Duration FAST_POLL = Duration.ofMillis(50);

    @TempDir
    Path dir;

    private final BlockingQueue<Object> deliveries = new LinkedBlockingQueue<>();
    private final AtomicReference<Thread> callbackThread = new AtomicReference<>();
    private final MappingFileParser parser = new MappingFileParser(PortRange.DEFAULT);
    private MappingFileWatcher watcher;

    @AfterEach
    void closeWatcher() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private static String fileWith(String... names) {
        StringBuilder yaml = new StringBuilder("endpoints:\n");
        for (int i = 0; i < names.length; i++) {
            yaml.append("  - name: ").append(names[i]).append("\n    ip: 10.0.0.").append(i + 1)
                    .append("\n    ports: [{port: 80}]\n");
        }
        return yaml.toString();
    }

    private MappingFileWatcher start(Path file, Duration pollInterval) {
        watcher = new MappingFileWatcher(file, parser,
                endpoints -> {
                    callbackThread.set(Thread.currentThread());
                    deliveries.add(endpoints);
                },
                deliveries::add, pollInterval);
        watcher.start();
        return watcher;
    }

    private Object next() throws InterruptedException {
        Object delivery = deliveries.poll(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        assertNotNull(delivery, "nothing delivered within " + DEADLINE_MILLIS + " ms");
        return delivery;
    }

    private List<String> nextValidNames() throws InterruptedException {
        Object delivery = next();
        if (delivery instanceof MappingFileException e) {
            throw new AssertionError("expected a valid version, got: " + e.getMessage());
        }
        return ((List<?>) delivery).stream().map(e -> ((Endpoint) e).name()).toList();
    }

    private MappingFileException nextInvalid() throws InterruptedException {
        return assertInstanceOf(MappingFileException.class, next());
    }

    /** Waits until the watcher has read the file a few more times, proving that quiet means no change seen. */
    private void awaitPolls(int polls) throws InterruptedException {
        long target = watcher.checks() + polls;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (watcher.checks() < target) {
            assertTrue(System.nanoTime() < deadline, "watcher stopped polling");
            assertNull(deliveries.poll(10, TimeUnit.MILLISECONDS), "unexpected delivery while waiting for polls");
        }
    }

    /**
     * A callback that throws an {@link Error} on the watcher's thread ends its loop: the supervisor logs and counts
     * it, and restarts the loop, which delivers the version whose delivery failed again; later edits are seen.
     */
    @Test
    void aFailureOfTheWatcherThreadIsRestartedAndTheFailedVersionDeliveredAgain() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        Supervisor supervisor = new Supervisor();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        watcher = new MappingFileWatcher(file, parser, endpoints -> {
            if (calls.incrementAndGet() == 2) {
                throw new StackOverflowError("a callback that blew its stack");
            }
            deliveries.add(endpoints);
        }, deliveries::add, FAST_POLL, Runnable::run, supervisor);
        watcher.start();
        assertEquals(List.of("a"), nextValidNames());
        assertTrue(watcher.watching());

        Files.writeString(file, fileWith("a", "b"));
        assertEquals(List.of("a", "b"), nextValidNames(), "delivered again after the restart");
        assertEquals(java.util.Map.of(MappingFileWatcher.THREAD_NAME, 1L), supervisor.restarts());
        assertTrue(watcher.watching(), "watched again");
        Files.writeString(file, fileWith("c"));
        assertEquals(List.of("c"), nextValidNames(), "later edits are seen");
        watcher.close();
        assertFalse(watcher.watching());
    }

    @Test
    void deliversTheCurrentVersionOnStartThenARewriteWithTheDefaultInterval() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        start(file, MappingFileWatcher.DEFAULT_POLL_INTERVAL);
        assertEquals(List.of("a"), nextValidNames(), "delivered synchronously by start()");

        long written = System.nanoTime();
        Files.writeString(file, fileWith("a", "b"));

        assertEquals(List.of("a", "b"), nextValidNames());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
        assertTrue(tookMillis < 1000, "change applied after " + tookMillis + " ms");
        assertEquals(MappingFileWatcher.THREAD_NAME, callbackThread.get().getName());
        assertTrue(callbackThread.get().isDaemon());
    }

    @Test
    void editorRenameReplace() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        start(file, FAST_POLL);
        assertEquals(List.of("a"), nextValidNames());

        Path swap = Files.writeString(dir.resolve(".endpoints.yaml.swp"), fileWith("renamed"));
        Files.move(swap, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        assertEquals(List.of("renamed"), nextValidNames());
    }

    @Test
    void kubernetesConfigMapDoubleSymlinkSwap() throws Exception {
        Path v1 = Files.createDirectory(dir.resolve("..2026_11_25_10_00_00.1"));
        Files.writeString(v1.resolve("endpoints.yaml"), fileWith("v1"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("endpoints.yaml"), Path.of("..data", "endpoints.yaml"));
        start(file, FAST_POLL);
        assertEquals(List.of("v1"), nextValidNames());

        Path v2 = Files.createDirectory(dir.resolve("..2026_11_25_10_05_00.2"));
        Files.writeString(v2.resolve("endpoints.yaml"), fileWith("v2"));
        Path dataTmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(dataTmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Files.delete(v1.resolve("endpoints.yaml"));
        Files.delete(v1);

        assertEquals(List.of("v2"), nextValidNames());
        assertTrue(Files.isSymbolicLink(dir.resolve("..data")), "the swap replaced the link, not its target");
    }

    @Test
    void invalidVersionIsReportedAndNoValidOneIsDelivered() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("good"));
        start(file, FAST_POLL);
        assertEquals(List.of("good"), nextValidNames());

        Files.writeString(file, fileWith("good") + "    ports: [{port: 70000}]\n");
        MappingFileException invalid = nextInvalid();
        assertTrue(invalid.getMessage().startsWith("endpoints.yaml: "), invalid.getMessage());

        awaitPolls(3);
        Files.writeString(file, fileWith("good", "fixed"));
        assertEquals(List.of("good", "fixed"), nextValidNames());
    }

    @Test
    void sameBytesRewrittenDeliverNothing() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        start(file, FAST_POLL);
        assertEquals(List.of("a"), nextValidNames());

        Files.writeString(file, fileWith("a"));
        Path swap = Files.writeString(dir.resolve("tmp"), fileWith("a"));
        Files.move(swap, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitPolls(3);

        Files.writeString(file, fileWith("b"));
        assertEquals(List.of("b"), nextValidNames(), "the unchanged rewrites delivered nothing");
    }

    @Test
    void missingFileIsReportedOnceUntilItComesBack() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        start(file, FAST_POLL);
        assertEquals(List.of("a"), nextValidNames());

        Files.delete(file);
        MappingFileException missing = nextInvalid();
        assertEquals(1, missing.errors().size());
        assertTrue(missing.errors().get(0).startsWith("endpoints.yaml: missing"), missing.getMessage());
        awaitPolls(5);

        Files.writeString(file, fileWith("back"));
        assertEquals(List.of("back"), nextValidNames());
    }

    @Test
    void missingAtStartIsReportedByStart() throws Exception {
        Path file = dir.resolve("later.json");
        start(file, FAST_POLL);
        assertTrue(nextInvalid().getMessage().startsWith("later.json: missing"));

        Files.writeString(file, "{\"endpoints\": []}");
        assertEquals(List.of(), nextValidNames());
    }

    @Test
    void aFailingCallbackDoesNotStopTheWatcher() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        watcher = new MappingFileWatcher(file, parser,
                endpoints -> {
                    deliveries.add(endpoints);
                    throw new IllegalStateException("consumer bug");
                },
                deliveries::add, FAST_POLL);
        watcher.start();
        assertEquals(List.of("a"), nextValidNames());

        Files.writeString(file, fileWith("b"));
        assertEquals(List.of("b"), nextValidNames());
    }

    @Test
    void closeStopsTheThreadAndDeliveries() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        start(file, FAST_POLL);
        assertEquals(List.of("a"), nextValidNames());
        Files.writeString(file, fileWith("b"));
        assertEquals(List.of("b"), nextValidNames());
        Thread thread = callbackThread.get();

        watcher.close();
        watcher.close();

        assertFalse(thread.isAlive());
        long checks = watcher.checks();
        Files.writeString(file, fileWith("c"));
        assertNull(deliveries.poll(200, TimeUnit.MILLISECONDS), "no delivery after close");
        assertEquals(checks, watcher.checks());
        assertThrows(IllegalStateException.class, watcher::start);
    }

    @Test
    void rejectsANonPositivePollInterval() throws IOException {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), "");
        assertThrows(IllegalArgumentException.class, () -> new MappingFileWatcher(file, parser, e -> { },
                e -> { }, Duration.ZERO));
    }

    @Test
    void loadReadsTheFirstVersionOnTheCallersThreadAndStartDoesNotDeliverItAgain() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        watcher = new MappingFileWatcher(file, parser, deliveries::add, deliveries::add, FAST_POLL);
        assertEquals(List.of("a"), watcher.load().stream().map(Endpoint::name).toList());
        watcher.start();
        awaitPolls(3);

        Files.writeString(file, fileWith("a", "b"));
        assertEquals(List.of("a", "b"), nextValidNames());
    }

    @Test
    void loadRereadsAnUnchangedFileAndThrowsEveryErrorOfAnInvalidOne() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        start(file, FAST_POLL);
        assertEquals(List.of("a"), nextValidNames());
        assertEquals(List.of("a"), watcher.load().stream().map(Endpoint::name).toList(), "read again, unchanged");

        Files.writeString(file, "endpoints:\n  - name: a\n    ip: nope\n    ports: [{port: 0}]\n");
        MappingFileException invalid = assertThrows(MappingFileException.class, watcher::load);
        assertEquals(2, invalid.errors().size(), invalid.getMessage());
        awaitPolls(3);
        Files.delete(file);
        assertTrue(assertThrows(MappingFileException.class, watcher::load).getMessage()
                .startsWith("endpoints.yaml: missing"));
        awaitPolls(3);
    }

    @Test
    void aDeliveryStillQueuedWhenALaterVersionIsLoadedIsDropped() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("v1"));
        BlockingQueue<Runnable> queued = new LinkedBlockingQueue<>();
        watcher = new MappingFileWatcher(file, parser, deliveries::add, deliveries::add, FAST_POLL, queued::add);
        watcher.load();
        watcher.start();

        Files.writeString(file, fileWith("v2"));
        Runnable v2 = queued.poll(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        assertNotNull(v2, "the change to v2 was handed to the executor");
        Files.writeString(file, fileWith("v3"));
        assertEquals(List.of("v3"), watcher.load().stream().map(Endpoint::name).toList());
        v2.run();
        assertNull(deliveries.poll(), "v2 was read before v3 was loaded: applying it now would go back in time");

        Files.writeString(file, fileWith("v4"));
        Runnable v4 = queued.poll(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        assertNotNull(v4);
        v4.run();
        assertEquals(List.of("v4"), nextValidNames());
    }

    @Test
    void noDeliveryRunsAfterClose() throws Exception {
        Path file = Files.writeString(dir.resolve("endpoints.yaml"), fileWith("a"));
        BlockingQueue<Runnable> queued = new LinkedBlockingQueue<>();
        watcher = new MappingFileWatcher(file, parser, deliveries::add, deliveries::add, FAST_POLL, queued::add);
        watcher.start();
        Runnable first = queued.poll(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        assertNotNull(first);
        watcher.close();
        first.run();
        assertNull(deliveries.poll());
    }
}
