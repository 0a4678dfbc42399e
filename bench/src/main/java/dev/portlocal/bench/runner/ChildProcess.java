package dev.portlocal.bench.runner;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A process the runner started and must stop. Every child runs under {@code timeout}, so it dies on its own even if
 * the runner is killed with SIGKILL; its output goes to a log file. {@link #stop()} signals the PID, then the PIDs
 * of its descendants that are left, and waits, bounded.
 */
final class ChildProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} under {@code timeout -k 5 maxLifetime}, with stdin a pipe from the runner (a child that
     * watches it sees EOF when the runner dies) and stdout and stderr in {@code log}.
     */
    static ChildProcess start(String name, List<String> command, Duration maxLifetime, Path log) throws IOException {
        return start(name, command, Map.of(), maxLifetime, log);
    }

    /** As {@link #start(String, List, Duration, Path)}, with {@code env} added to the runner's environment. */
    static ChildProcess start(String name, List<String> command, Map<String, String> env, Duration maxLifetime,
            Path log) throws IOException {
        requireNonNull(name, "name");
        List<String> wrapped = new ArrayList<>(List.of("timeout", "-k", "5", Long.toString(maxLifetime.toSeconds())));
        wrapped.addAll(command);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(wrapped);
        builder.environment().putAll(env);
        Process process = builder
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ChildProcess(name, process, log);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until every address accepts a TCP connection, polling every 50 ms, for at most {@code timeout}.
     *
     * @throws IOException if the process exits or the time runs out, with the tail of its log
     */
    void awaitListening(List<InetSocketAddress> addresses, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (InetSocketAddress address : addresses) {
            while (!accepts(address)) {
                if (!process.isAlive()) {
                    throw new IOException(name + " exited with " + process.exitValue() + " before listening on "
                            + address + "; log " + log + ":\n" + tail());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(name + " not listening on " + address + " after " + timeout.toSeconds()
                            + " s; log " + log + ":\n" + tail());
                }
                Thread.sleep(50);
            }
        }
    }

    static boolean accepts(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of the log, for error messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM to the PID and then to any descendant still alive; SIGKILL to what is left after 3 s. Idempotent. */
    void stop() {
        List<ProcessHandle> family = new ArrayList<>();
        family.add(process.toHandle());
        process.toHandle().descendants().forEach(family::add);
        for (ProcessHandle p : family) {
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (ProcessHandle p : family) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
