package dev.portlocal.file;

import dev.portlocal.model.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Watches the mapping file and delivers each new version: {@code onValid} with the endpoints, or {@code onInvalid}
 * with every error, in which case the caller keeps its last good state.
 *
 * <p>It reads through the path, following symlinks, and compares the SHA-256 of the bytes with the last version
 * delivered, so it handles in-place rewrites, editors that replace the file by a rename, and Kubernetes ConfigMap
 * volumes, where the file is a symlink through {@code ..data}, itself a symlink swapped by renaming
 * {@code ..data_tmp} over it. A {@link WatchService} on the parent directory wakes it promptly, and it also polls
 * (every 250 ms by default), since directory events miss changes behind symlinks. Callbacks fire only when the
 * content changed; a missing file is one invalid version, reported once until the file changes again.
 *
 * <p>A version is delivered once its bytes have stayed the same for a short settle time (100 ms, or the poll
 * interval if shorter), so a rewrite in place is not seen half-written: an empty file caught between the truncate
 * and the write would otherwise remove every mapping for a moment. The first version is delivered at once.
 *
 * <p>Threading: {@link #start} delivers the current version on the calling thread, then a daemon thread named
 * {@value #THREAD_NAME} delivers the later ones, one at a time.
 */
public final class MappingFileWatcher implements AutoCloseable {

    public static final String THREAD_NAME = "portlocal-file-watcher";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
    private static final Duration MAX_SETTLE = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(MappingFileWatcher.class);

    private final Path file;
    private final String fileName;
    private final MappingFileParser parser;
    private final Consumer<List<Endpoint>> onValid;
    private final Consumer<MappingFileException> onInvalid;
    private final Duration pollInterval;
    private final long settleNanos;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicLong checks = new AtomicLong();

    private Thread thread;
    private WatchService watchService;
    // Touched by the starting thread, then only by the watcher thread (Thread.start orders the two).
    /** Digest of the last version delivered. */
    private String lastDigest;
    /** A changed version waiting to settle, and when it was first seen. */
    private String pendingDigest;
    private long pendingSince;
    private volatile boolean closed;

    public MappingFileWatcher(Path file, MappingFileParser parser, Consumer<List<Endpoint>> onValid,
                              Consumer<MappingFileException> onInvalid) {
        this(file, parser, onValid, onInvalid, DEFAULT_POLL_INTERVAL);
    }

    public MappingFileWatcher(Path file, MappingFileParser parser, Consumer<List<Endpoint>> onValid,
                              Consumer<MappingFileException> onInvalid, Duration pollInterval) {
        this.file = requireNonNull(file, "file").toAbsolutePath();
        this.fileName = String.valueOf(file.getFileName());
        this.parser = requireNonNull(parser, "parser");
        this.onValid = requireNonNull(onValid, "onValid");
        this.onInvalid = requireNonNull(onInvalid, "onInvalid");
        this.pollInterval = requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
        }
        this.settleNanos = (pollInterval.compareTo(MAX_SETTLE) < 0 ? pollInterval : MAX_SETTLE).toNanos();
    }

    /**
     * Delivers the current version on the calling thread, then starts watching on a daemon thread.
     *
     * @throws IllegalStateException if already started or closed
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("watcher is closed");
        }
        if (thread != null) {
            throw new IllegalStateException("watcher already started");
        }
        watchService = watchDirectory();
        check(true);
        thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
        log.atInfo().setMessage("mapping_file_watch_started")
                .addKeyValue("file", file)
                .addKeyValue("pollIntervalMs", pollInterval.toMillis())
                .addKeyValue("directoryEvents", watchService != null)
                .log();
    }

    /** Stops watching; no callback starts after this returns, unless called from a callback. Idempotent. */
    @Override
    public void close() {
        Thread watcherThread;
        WatchService service;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            watcherThread = thread;
            service = watchService;
        }
        closing.countDown();
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                log.atDebug().setMessage("watch_service_close_failed").addKeyValue("error", e.toString()).log();
            }
        }
        if (watcherThread != null && watcherThread != Thread.currentThread()) {
            try {
                watcherThread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How many times the file was read; lets tests wait for polls without sleeping. */
    long checks() {
        return checks.get();
    }

    private WatchService watchDirectory() {
        Path directory = file.getParent();
        try {
            WatchService service = directory.getFileSystem().newWatchService();
            directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            return service;
        } catch (IOException | UnsupportedOperationException e) {
            log.atWarn().setMessage("directory_events_unavailable")
                    .addKeyValue("dir", directory)
                    .addKeyValue("error", e.toString())
                    .log();
            return null;
        }
    }

    private void run() {
        WatchService service = watchService;
        while (!closed) {
            long waitNanos = pendingDigest == null
                    ? pollInterval.toNanos()
                    : Math.max(1, pendingSince + settleNanos - System.nanoTime());
            try {
                if (service != null) {
                    WatchKey key = service.poll(waitNanos, TimeUnit.NANOSECONDS);
                    for (; key != null; key = service.poll()) {
                        key.pollEvents();
                        if (!key.reset()) {
                            // The directory itself went away; polling still sees it come back.
                            service = null;
                            break;
                        }
                    }
                } else if (closing.await(waitNanos, TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!closed) {
                check(false);
            }
        }
    }

    /**
     * Reads the file and delivers it if its bytes changed since the last delivery and, unless {@code immediate},
     * have stayed the same for the settle time.
     */
    private void check(boolean immediate) {
        checks.incrementAndGet();
        byte[] content = null;
        String digest;
        MappingFileException unreadable = null;
        try {
            content = Files.readAllBytes(file);
            digest = sha256(content);
        } catch (NoSuchFileException e) {
            digest = "missing";
            unreadable = new MappingFileException(List.of(fileName + ": missing (no such file: " + file + ")"));
        } catch (IOException e) {
            digest = "unreadable: " + e;
            unreadable = new MappingFileException(List.of(fileName + ": cannot read " + file + " (" + e + ")"));
        }
        if (digest.equals(lastDigest)) {
            pendingDigest = null;
            return;
        }
        if (!immediate) {
            long now = System.nanoTime();
            if (!digest.equals(pendingDigest)) {
                pendingDigest = digest;
                pendingSince = now;
                return;
            }
            if (now - pendingSince < settleNanos) {
                return;
            }
        }
        pendingDigest = null;
        lastDigest = digest;
        if (unreadable != null) {
            invalid(unreadable);
            return;
        }
        List<Endpoint> endpoints;
        try {
            endpoints = parser.parse(fileName, content);
        } catch (MappingFileException e) {
            invalid(e);
            return;
        }
        log.atInfo().setMessage("mapping_file_loaded")
                .addKeyValue("file", file)
                .addKeyValue("endpoints", endpoints.size())
                .addKeyValue("sha256", digest.substring(0, 12))
                .log();
        try {
            onValid.accept(endpoints);
        } catch (RuntimeException e) {
            log.atWarn().setMessage("mapping_file_callback_failed")
                    .addKeyValue("file", file)
                    .addKeyValue("error", e.toString())
                    .setCause(e)
                    .log();
        }
    }

    private void invalid(MappingFileException e) {
        log.atWarn().setMessage("mapping_file_invalid")
                .addKeyValue("file", file)
                .addKeyValue("errors", e.errors().size())
                .addKeyValue("first", e.errors().get(0))
                .log();
        try {
            onInvalid.accept(e);
        } catch (RuntimeException callbackFailure) {
            log.atWarn().setMessage("mapping_file_callback_failed")
                    .addKeyValue("file", file)
                    .addKeyValue("error", callbackFailure.toString())
                    .setCause(callbackFailure)
                    .log();
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
