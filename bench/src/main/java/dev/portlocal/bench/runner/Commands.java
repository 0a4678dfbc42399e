package dev.portlocal.bench.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Short-lived commands (iperf3, wrk, jcmd, version probes): run to completion, bounded in time, output captured. */
final class Commands {

    private Commands() {
    }

    /** Whether {@code name} is an executable on the PATH. */
    static boolean onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code command} under {@code timeout}, waits at most {@code limit} plus a few seconds, and returns its
     * combined output; kills it by PID if it overruns.
     *
     * @throws IOException if it cannot start, overruns or exits non-zero (with the output's tail)
     */
    static String run(List<String> command, Duration limit) throws IOException, InterruptedException {
        return run(command, limit, true);
    }

    /** As {@link #run(List, Duration)}; with {@code requireSuccess} false, any exit code returns the output. */
    static String run(List<String> command, Duration limit, boolean requireSuccess)
            throws IOException, InterruptedException {
        List<String> wrapped = new ArrayList<>(List.of("timeout", "-k", "2", Long.toString(limit.toSeconds())));
        wrapped.addAll(command);
        Path output = Files.createTempFile("bench-cmd", ".out");
        try {
            Process process = new ProcessBuilder(wrapped)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(limit.toSeconds() + 5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
                throw new IOException(command.get(0) + " overran " + limit.toSeconds() + " s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (requireSuccess && process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                        + text.substring(Math.max(0, text.length() - 500)));
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /**
     * The first line a probe prints, whatever its exit code ({@code wrk -v} exits 1), or empty if the tool is missing
     * or prints nothing.
     */
    static Optional<String> probe(List<String> command) {
        try {
            String text = run(command, Duration.ofSeconds(10), false).strip();
            if (text.isEmpty() || !onPath(command.get(0))) {
                return Optional.empty();
            }
            int nl = text.indexOf('\n');
            return Optional.of(nl < 0 ? text : text.substring(0, nl));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
