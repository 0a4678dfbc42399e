package dev.portlocal.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open file descriptors, and the pipes among them, from {@code /proc/self/fd}. */
public final class Fds {

    private Fds() {
    }

    public static int open() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
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
