package dev.portlocal.bench.runner;

import java.nio.file.Path;
import java.util.List;

/**
 * Entry point of the load harness, run by {@code bench/run.sh}. Exit codes: 0 the report was written, 1 the run
 * failed (e.g. a backend port was taken), 2 bad arguments.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) {
        List<String> argList = List.of(args);
        if (argList.contains("--help") || argList.contains("-h")) {
            System.out.println(RunnerOptions.usage());
            System.exit(0);
        }
        RunnerOptions options;
        try {
            options = RunnerOptions.parse(argList);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(RunnerOptions.usage());
            System.exit(2);
            return;
        }
        String command = System.getProperty("bench.command", "bench/run.sh " + String.join(" ", args));
        Runner runner = new Runner(options, command, System.out);
        Thread hook = new Thread(runner::stopAll, "bench-stop-children");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Path report = runner.run();
            System.out.println("bench: report written to " + report);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("bench: run failed: " + e);
            runner.stopAll();
            System.exit(1);
        }
    }
}
