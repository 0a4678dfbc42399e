package dev.portlocal.tcp.pipe;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The pipe shim: {@code pipe2(O_NONBLOCK|O_CLOEXEC)} and {@code fcntl(F_SETPIPE_SZ)}, which Netty does not expose.
 * It is a JNI library built by the Maven build from {@code src/main/c/portlocal_pipe.c} and shipped in the jar.
 *
 * <p>Why JNI and not the FFM API: we target Java 17, where FFM is not final; JNI needs only gcc at build time. When the
 * shim cannot load (another CPU, no gcc at build time), this says so once and pipes fall back to
 * {@link FileDescriptor#pipe()} at the kernel's default size, which {@code auto} splice mode does not use.
 *
 * <p>Threading: stateless; safe from any thread.
 */
public final class PipeNative {

    private static final Logger log = LoggerFactory.getLogger(PipeNative.class);
    private static final String RESOURCE = "/META-INF/native/libportlocal_pipe_linux_x86_64.so";
    private static final boolean LOADED = load();

    /** errno for a pipe over the per-user quota ({@code fs.pipe-user-pages-soft}). */
    public static final int EPERM = 1;

    private PipeNative() {
    }

    /** True if the shim loaded, so pipes can be sized. */
    public static boolean available() {
        return LOADED;
    }

    private static boolean load() {
        // Our pipes are Netty FileDescriptors: Netty's own native library must be loaded first.
        if (!Epoll.isAvailable()) {
            log.atInfo().setMessage("pipe_shim_unavailable")
                    .addKeyValue("reason", "epoll unavailable")
                    .addKeyValue("action", "default_pipe_size")
                    .log();
            return false;
        }
        String arch = System.getProperty("os.arch", "");
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            log.atInfo().setMessage("pipe_shim_unavailable")
                    .addKeyValue("reason", "not linux-x86_64")
                    .addKeyValue("action", "default_pipe_size")
                    .log();
            return false;
        }
        try (InputStream in = PipeNative.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                log.atWarn().setMessage("pipe_shim_unavailable")
                        .addKeyValue("reason", "not in the jar (built without gcc?)")
                        .addKeyValue("action", "default_pipe_size")
                        .log();
                return false;
            }
            Path tmp = Files.createTempFile("portlocal_pipe", ".so");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                System.load(tmp.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(tmp); // the mapping stays valid after unlink
            }
            return true;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            log.atWarn().setMessage("pipe_shim_unavailable")
                    .addKeyValue("reason", e.toString())
                    .addKeyValue("action", "default_pipe_size")
                    .log();
            return false;
        }
    }

    /** A non-blocking, close-on-exec pipe: {@code [read, write]}. */
    static FileDescriptor[] pipe() throws IOException {
        if (!LOADED) {
            return FileDescriptor.pipe();
        }
        int[] fds = new int[2];
        int r = pipe0(fds);
        if (r < 0) {
            throw new IOException("pipe2 failed: errno " + -r);
        }
        return new FileDescriptor[] {new FileDescriptor(fds[0]), new FileDescriptor(fds[1])};
    }

    /** Sets the pipe's capacity; returns the new capacity or {@code -errno}. Requires {@link #available()}. */
    static int setSize(FileDescriptor fd, int size) {
        return setSize0(fd.intValue(), size);
    }

    /** The pipe's capacity, or {@code -errno}. Requires {@link #available()}. */
    static int getSize(FileDescriptor fd) {
        return getSize0(fd.intValue());
    }

    private static native int pipe0(int[] fds);

    private static native int setSize0(int fd, int size);

    private static native int getSize0(int fd);
}
