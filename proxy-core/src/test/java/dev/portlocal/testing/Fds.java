package dev.portlocal.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open file descriptors, and the pipes among them, from {@code /proc/self/fd}. */
public final class Fds {

    private Fds() {
    }

    /**
     * Open sockets, pipes and anonymous inodes (epoll, eventfd, timerfd): the kinds of fd a proxy creates. Files the
     * JVM opens lazily (jars, /dev/urandom) are left out so they do not pass for leaks.
     */
    public static int open() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.filter(p -> {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    return target.startsWith("socket:") || target.startsWith("pipe:")
                            || target.startsWith("anon_inode:");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Every open fd and what it points to, for failure messages. */
    public static String describe() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.sorted().forEach(p -> {
                try {
                    sb.append(p.getFileName()).append("->").append(Files.readSymbolicLink(p)).append(' ');
                } catch (IOException e) {
                    sb.append(p.getFileName()).append("->? ");
                }
            });
        } catch (IOException e) {
            return e.toString();
        }
        return sb.toString();
    }

    public static int pipes() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("pipe:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
