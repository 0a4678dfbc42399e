package dev.portlocal.testing.netns;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * A {@link TopologyPlan} built for real with {@code ip netns} and veth pairs, and the processes started in it.
 *
 * <p>Cleanup has three layers, so nothing is left behind however the JVM ends: {@link #close()} stops the processes
 * it started and removes the namespaces; a reaper ({@code sh}, in its own session, reading a pipe from this JVM)
 * runs the plan's teardown script if the pipe closes without the word {@code done}, which is what happens when the
 * JVM dies, even by SIGKILL; and {@link #create} first sweeps namespaces of our prefix whose owning process is gone.
 * Removing a namespace destroys its veths and the bridge, so nothing in the host's own namespace is ever touched.
 *
 * <p>Threading: {@link #start} and {@link #close} are synchronized, so a shutdown hook may close it while another
 * thread waits on a process it started.
 */
public final class Topology implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final TopologyPlan plan;
    private final Process reaper;
    private final List<Process> started = new ArrayList<>();
    private boolean closed;

    private Topology(TopologyPlan plan, Process reaper) {
        this.plan = plan;
        this.reaper = reaper;
    }

    /**
     * Sweeps our dead leftovers, starts the reaper, then runs the plan's setup commands; if one fails, removes what
     * was built and throws with the command and its output.
     */
    public static Topology create(TopologyPlan plan) throws IOException, InterruptedException {
        requireNonNull(plan, "plan");
        sweepLeftovers();
        Process reaper = new ProcessBuilder("setsid", "sh", "-c",
                "read -r line; [ \"$line\" = done ] || {\n" + plan.teardownScript() + "}")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Topology topology = new Topology(plan, reaper);
        try {
            for (List<String> cmd : plan.setupCommands()) {
                run(cmd);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            topology.close();
            throw e;
        }
        return topology;
    }

    public TopologyPlan plan() {
        return plan;
    }

    /** {@code argv} prefixed to run inside namespace {@code ns}. */
    public static List<String> inNamespace(String ns, List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", requireNonNull(ns, "ns")));
        cmd.addAll(argv);
        return cmd;
    }

    /** Runs {@code argv} inside {@code ns} to completion (bounded) and returns its output; throws unless it exits 0. */
    public String exec(String ns, List<String> argv) throws IOException, InterruptedException {
        return run(inNamespace(ns, argv));
    }

    /**
     * Starts {@code argv} inside {@code ns}; {@code io} sets its redirects. The process is stopped by {@link #close()}
     * if it is still running then. {@code ip netns exec} execs the command, so the process's pid is the command's.
     */
    public synchronized Process start(String ns, List<String> argv, Consumer<ProcessBuilder> io) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(inNamespace(ns, argv));
        io.accept(pb);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** The sockets of namespace {@code ns}, from its /proc/net tables. */
    public List<ProcNetTable.Entry> sockets(String ns) throws IOException, InterruptedException {
        return ProcNetTable.parse(exec(ns, List.of("sh", "-c", ProcNetTable.DUMP_SCRIPT)));
    }

    /** Stops the processes it started (SIGTERM, then SIGKILL), removes every namespace, and dismisses the reaper. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : started) {
            p.destroy();
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Process p : started) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            runIgnoringFailure(List.of("sh", "-c", plan.teardownScript()));
        } finally {
            try (OutputStream toReaper = reaper.getOutputStream()) {
                toReaper.write("done\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // The reaper is gone: it has nothing left to do either way.
            }
        }
    }

    /** Removes namespaces of our prefix whose owner process is gone (a killed run whose reaper did not finish). */
    static void sweepLeftovers() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            String name = line.trim();
            int space = name.indexOf(' ');
            if (!name.isEmpty()) {
                names.add(space < 0 ? name : name.substring(0, space));
            }
        }
        for (String ns : RunId.leftovers(names, pid -> ProcessHandle.of(pid).isPresent())) {
            runIgnoringFailure(List.of("sh", "-c", "for pid in $(ip netns pids " + ns + " 2>/dev/null); do "
                    + "kill -9 \"$pid\" 2>/dev/null; done; ip netns del " + ns));
        }
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("netns-cmd", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": still running after " + COMMAND_TIMEOUT);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static void runIgnoringFailure(List<String> cmd) {
        try {
            run(cmd);
        } catch (IOException e) {
            // Teardown is best effort and idempotent; the reaper and the next sweep catch what is left.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
