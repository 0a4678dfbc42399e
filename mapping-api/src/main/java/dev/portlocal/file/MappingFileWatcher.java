package dev.portlocal.file;

import dev.portlocal.model.Endpoint;
import dev.portlocal.supervision.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
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
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * The one reader of the mapping file: it reads the first version ({@link #load()}), watches for changes and
 * delivers each new version ({@code onValid} with the endpoints, or {@code onInvalid} with every error, in which case
 * the caller keeps its last good state), and re-reads on demand ({@link #load()} again, on SIGHUP).
 *
 * <p>It reads through the path, following symlinks, and compares the SHA-256 of the bytes with the last version
 * read, so it handles in-place rewrites, editors that replace the file by a rename, and Kubernetes ConfigMap
 * volumes, where the file is a symlink through {@code ..data}, itself a symlink swapped by renaming
 * {@code ..data_tmp} over it. A {@link WatchService} on the parent directory wakes it promptly, and it also polls
 * (every 250 ms by default), since directory events miss changes behind symlinks. Callbacks fire only when the
 * content changed; a missing file is one invalid version, reported once until the file changes again.
 *
 * <p>A change is delivered once its bytes have stayed the same for a short settle time (100 ms, or the poll interval
 * if shorter), so a rewrite in place is not seen half-written: an empty file caught between the truncate and the
 * write would otherwise remove every mapping for a moment.
 *
 * <p>A failure of the watcher's thread (whatever its loop throws, a callback's {@link Error} on that thread too) is
 * logged, counted and restarted with backoff by its {@link Supervisor}; {@link #watching()} is false meanwhile.
 *
 * <p>Threading: a daemon thread named {@value #THREAD_NAME} detects changes and reads them; the callbacks run on
 * the delivery executor (by default that thread), one at a time. {@link #load()} runs on the caller's thread; call it
 * on the delivery executor once started, so that its result and the deliveries are applied in the order read: a
 * delivery still queued when a later version has been read (by {@link #load()} or the thread) is dropped.
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
    private final Executor deliverOn;
    private final long settleNanos;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicLong checks = new AtomicLong();
    private final Supervisor supervisor;

    // Guarded by this.
    private Thread thread;
    private WatchService watchService;
    /** Digest of the last version read; null before the first. */
    private String lastDigest;
    /** Counts the versions read; a delivery of an older one is dropped. */
    private long version;
    /** A changed version waiting to settle, and when it was first seen. */
    private String pendingDigest;
    private long pendingSince;
    private volatile boolean closed;

    /** One version read: its number, and its endpoints or its errors. */
    private record Read(long version, List<Endpoint> endpoints, MappingFileException invalid) {
    }

    public MappingFileWatcher(Path file, MappingFileParser parser, Consumer<List<Endpoint>> onValid,
                              Consumer<MappingFileException> onInvalid) {
        this(file, parser, onValid, onInvalid, DEFAULT_POLL_INTERVAL);
    }

    public MappingFileWatcher(Path file, MappingFileParser parser, Consumer<List<Endpoint>> onValid,
                              Consumer<MappingFileException> onInvalid, Duration pollInterval) {
        this(file, parser, onValid, onInvalid, pollInterval, Runnable::run);
    }

    /** With {@code deliverOn}, the callbacks run there; the daemon passes its control thread. */
    public MappingFileWatcher(Path file, MappingFileParser parser, Consumer<List<Endpoint>> onValid,
                              Consumer<MappingFileException> onInvalid, Duration pollInterval, Executor deliverOn) {
        this(file, parser, onValid, onInvalid, pollInterval, deliverOn, new Supervisor());
    }

    /** With {@code supervisor}, which restarts the watcher's thread after a failure: the daemon's one. */
    public MappingFileWatcher(Path file, MappingFileParser parser, Consumer<List<Endpoint>> onValid,
                              Consumer<MappingFileException> onInvalid, Duration pollInterval, Executor deliverOn,
                              Supervisor supervisor) {
        this.supervisor = requireNonNull(supervisor, "supervisor");
        this.file = requireNonNull(file, "file").toAbsolutePath();
        this.fileName = String.valueOf(file.getFileName());
        this.parser = requireNonNull(parser, "parser");
        this.onValid = requireNonNull(onValid, "onValid");
        this.onInvalid = requireNonNull(onInvalid, "onInvalid");
        this.pollInterval = requireNonNull(pollInterval, "pollInterval");
        this.deliverOn = requireNonNull(deliverOn, "deliverOn");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
        }
        this.settleNanos = (pollInterval.compareTo(MAX_SETTLE) < 0 ? pollInterval : MAX_SETTLE).toNanos();
    }

    /** The file watched, absolute. */
    public Path file() {
        return file;
    }

    /**
     * Reads the file now, on the calling thread, and returns its endpoints; nothing is delivered. At start this is
     * the first version, before {@link #start()}; later (on SIGHUP) it re-reads even an unchanged file. The watcher
     * counts the version as read, so its thread does not deliver it again.
     *
     * @throws MappingFileException with every error, also when the file is missing or unreadable
     */
    public List<Endpoint> load() throws MappingFileException {
        Read read;
        synchronized (this) {
            read = read(true);
        }
        if (read.invalid() != null) {
            throw read.invalid();
        }
        return read.endpoints();
    }

    /**
     * Starts watching on a daemon thread. Without a {@link #load()} before, the current version is delivered first,
     * on the delivery executor (by default the calling thread, before this returns).
     *
     * @throws IllegalStateException if already started or closed
     */
    public void start() {
        Read first = null;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("watcher is closed");
            }
            if (thread != null) {
                throw new IllegalStateException("watcher already started");
            }
            watchService = watchDirectory();
            if (lastDigest == null) {
                first = read(true);
            }
            thread = new Thread(this::supervised, THREAD_NAME);
            thread.setDaemon(true);
        }
        if (first != null) {
            deliver(first);
        }
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

    /**
     * True while the file is watched: started, not closed, and the watcher's thread not down after a failure
     * (between the failure and its restart).
     */
    public boolean watching() {
        synchronized (this) {
            if (thread == null || closed) {
                return false;
            }
        }
        return !supervisor.down().contains(THREAD_NAME);
    }

    /**
     * The watcher's thread: {@link #run} under the supervisor, which restarts it after anything it throws. A restart
     * forgets the last version read, so the file's current version is delivered again: the one whose delivery
     * failed is not lost.
     */
    private void supervised() {
        boolean[] restarted = {false};
        supervisor.run(THREAD_NAME, () -> {
            if (restarted[0]) {
                synchronized (this) {
                    lastDigest = null;
                    pendingDigest = null;
                }
            }
            restarted[0] = true;
            run();
        }, () -> closed, millis -> closing.await(millis, TimeUnit.MILLISECONDS));
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
        WatchService service;
        synchronized (this) {
            service = watchService;
        }
        while (!closed) {
            long waitNanos;
            synchronized (this) {
                waitNanos = pendingDigest == null
                        ? pollInterval.toNanos()
                        : Math.max(1, pendingSince + settleNanos - System.nanoTime());
            }
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
            Read changed;
            try {
                synchronized (this) {
                    changed = closed ? null : read(false);
                }
            } catch (RuntimeException | Error e) {
                // Never let one bad read end the watcher: the next poll reads again.
                log.atError().setMessage("mapping_file_watch_failed")
                        .addKeyValue("file", file)
                        .addKeyValue("error", e.toString())
                        .setCause(e)
                        .log();
                changed = null;
            }
            if (changed != null) {
                deliver(changed);
            }
        }
    }

    /**
     * Reads the file; with {@code force} returns it as the next version whatever it holds, else only if its bytes
     * changed since the last version read and have stayed the same for the settle time (null otherwise).
     */
    private Read read(boolean force) {
        checks.incrementAndGet();
        byte[] content = null;
        String digest;
        MappingFileException unreadable = null;
        try {
            content = MappingFileInput.read(file, parser.maxBytes());
            digest = sha256(content);
        } catch (MappingFileException e) {
            // The same refusal is one version: reported once until the file changes.
            digest = "invalid: " + e.getMessage();
            unreadable = e;
        }
        if (!force) {
            if (digest.equals(lastDigest)) {
                pendingDigest = null;
                return null;
            }
            long now = System.nanoTime();
            if (!digest.equals(pendingDigest)) {
                pendingDigest = digest;
                pendingSince = now;
                return null;
            }
            if (now - pendingSince < settleNanos) {
                return null;
            }
        }
        pendingDigest = null;
        lastDigest = digest;
        version++;
        if (unreadable != null) {
            return new Read(version, null, unreadable);
        }
        try {
            List<Endpoint> endpoints = parse(content);
            log.atInfo().setMessage("mapping_file_loaded")
                    .addKeyValue("file", file)
                    .addKeyValue("endpoints", endpoints.size())
                    .addKeyValue("sha256", digest.substring(0, 12))
                    .log();
            return new Read(version, endpoints, null);
        } catch (MappingFileException e) {
            return new Read(version, null, e);
        }
    }

    /**
     * Parses {@code content}; anything the parser throws besides its own refusal (a bug, or a stack or heap that ran
     * out) is an invalid version too, so the watcher goes on and a later good edit is still picked up.
     */
    private List<Endpoint> parse(byte[] content) throws MappingFileException {
        try {
            return parser.parse(fileName, content);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            log.atWarn().setMessage("mapping_file_parse_failed")
                    .addKeyValue("file", file)
                    .addKeyValue("error", e.toString())
                    .log();
            throw new MappingFileException(List.of(fileName + ": cannot parse (" + e + ")"));
        }
    }

    /** Hands {@code read} to the callbacks on the delivery executor, unless a later version was read meanwhile. */
    private void deliver(Read read) {
        try {
            deliverOn.execute(() -> {
                synchronized (this) {
                    if (closed || read.version() != version) {
                        return;
                    }
                }
                callback(read);
            });
        } catch (RejectedExecutionException e) {
            log.atDebug().setMessage("mapping_file_delivery_rejected").addKeyValue("file", file).log();
        }
    }

    private void callback(Read read) {
        try {
            if (read.invalid() != null) {
                onInvalid.accept(read.invalid());
            } else {
                onValid.accept(read.endpoints());
            }
        } catch (RuntimeException e) {
            log.atWarn().setMessage("mapping_file_callback_failed")
                    .addKeyValue("file", file)
                    .addKeyValue("error", e.toString())
                    .setCause(e)
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
