package dev.portlocal.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real daemon, started as its own process from {@code target/portlocal.jar}, with its output in a file. Tests
 * read which TCP ports it listens on from {@code /proc}, so they see exactly what the kernel sees.
 */
public final class DaemonProcess implements AutoCloseable {

    private static final Pattern SOCKET_INODE = Pattern.compile("socket:\\[(\\d+)]");

    private final Process process;
    private final Path log;

    private DaemonProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java -jar portlocal.jar ARGS...}, logging to {@code log}. */
    public static DaemonProcess start(Path log, String... args) throws IOException {
        return start(log, Map.of(), args);
    }

    /** Starts {@code java -jar portlocal.jar ARGS...} with {@code env} added to the environment. */
    public static DaemonProcess start(Path log, Map<String, String> env, String... args) throws IOException {
        return start(List.of(), log, env, args);
    }

    /**
     * Starts {@code PREFIX... java -jar portlocal.jar ARGS...}: a prefix such as {@code ip netns exec NS}, which execs
     * the daemon inside a network namespace (so {@link #pid()} is still the daemon's).
     */
    public static DaemonProcess start(List<String> prefix, Path log, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Dio.netty.leakDetection.level=paranoid");
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        return new DaemonProcess(p, log);
    }

    public static Path jar() {
        Path jar = Path.of("target", "portlocal.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new AssertionError("no " + jar + ": run the package phase first (mvn verify does)");
        }
        return jar;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<no output: " + e + ">";
        }
    }

    /** Waits until the output contains {@code text}; fails with the output if the process dies or time runs out. */
    public void awaitOutput(String text, Duration timeout) {
        Waits.until(() -> "'" + text + "' in daemon output:\n" + output(), timeout, () -> {
            if (output().contains(text)) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError("daemon exited with " + process.exitValue() + " before '" + text
                        + "':\n" + output());
            }
            return false;
        });
    }

    /** The TCP ports this process listens on, IPv4 and IPv6, from /proc/net/tcp{,6} and its fds. */
    public Set<Integer> listeningTcpPorts() {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            fds.forEach(fd -> {
                try {
                    Matcher m = SOCKET_INODE.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException ignored) {
                    // the fd closed while we listed it
                }
            });
        } catch (IOException e) {
            throw new AssertionError("cannot list fds of " + pid(), e);
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                boolean listening = "0A".equals(f[3]);
                if (listening && inodes.contains(f[9])) {
                    String local = f[1];
                    ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    /** Sends {@code signal} (e.g. "HUP") with kill(1). */
    public void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid() + " failed");
        }
    }

    /** SIGTERM, then waits for the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("daemon did not exit within " + timeout + " of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("daemon still running after " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
