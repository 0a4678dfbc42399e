package dev.portlocal.bench.runner;

import dev.portlocal.testing.netns.RunId;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Entry point of the load harness, run by {@code bench/run.sh}. Exit codes: 0 the report was written, 1 the run
 * failed (e.g. a backend port was taken, or namespaces cannot be created for {@code --topology netns}), 2 bad
 * arguments. With {@code --topology netns} it builds the topology and runs again inside it ({@link NetnsBench}).
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
        Optional<RunId> netns = NetnsBench.inside();
        if (options.topology() == RunnerOptions.TopologyKind.NETNS && netns.isEmpty()) {
            try {
                System.exit(NetnsBench.runOutside(argList, System.err));
            } catch (Exception e) {
                System.err.println("bench: the netns topology failed: " + e);
                System.exit(1);
            }
            return;
        }
        Placement placement = netns.map(id -> Placement.netns(NetnsBench.plan(id))).orElse(Placement.loopback());
        Runner runner = new Runner(options, placement, command, System.out);
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
