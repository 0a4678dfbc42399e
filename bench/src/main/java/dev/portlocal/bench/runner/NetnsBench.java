package dev.portlocal.bench.runner;

import dev.portlocal.testing.netns.NetnsSupport;
import dev.portlocal.testing.netns.RunId;
import dev.portlocal.testing.netns.Topology;
import dev.portlocal.testing.netns.TopologyPlan;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code --topology netns} run in two halves. Outside, in the host's namespace, it builds the topology (one node,
 * one pod, {@code lb} routing to the pod through the node for the direct path), runs this same runner again inside
 * {@code lb} with the run id in a system property, waits for it and removes the topology. Inside, the runner
 * rebuilds the same plan from that id: the plan is pure data, so nothing else needs passing.
 *
 * <p>Cleanup: SIGTERM or Ctrl-C reaches the outer JVM (run.sh forwards it), whose shutdown hook stops the inner runner
 * (which stops its children) and then removes the topology; SIGKILL leaves it to the topology's reaper.
 */
final class NetnsBench {

    static final String RUN_ID_PROPERTY = "bench.netns.runId";
    /** The pod namespace the backends run in. */
    static final String BACKEND_POD = "backends";

    private NetnsBench() {
    }

    static TopologyPlan plan(RunId id) {
        return TopologyPlan.builder(id).node(BACKEND_POD).lbRoutesToPods(true).build();
    }

    /** The run id when this JVM is the inner half, inside {@code lb}. */
    static Optional<RunId> inside() {
        return Optional.ofNullable(System.getProperty(RUN_ID_PROPERTY)).map(RunId::parse);
    }

    /**
     * The outer half: builds the topology, runs the runner with {@code args} inside {@code lb}, returns its exit
     * code; 1 if the topology cannot be built here.
     */
    static int runOutside(List<String> args, PrintStream err) throws IOException, InterruptedException {
        Optional<String> unavailable = NetnsSupport.unavailableReason();
        if (unavailable.isPresent()) {
            err.println("bench: --topology netns cannot run here: " + unavailable.get());
            return 1;
        }
        RunId id = RunId.generate();
        TopologyPlan plan = plan(id);
        Topology topology = Topology.create(plan);
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!arg.startsWith("-D" + RUN_ID_PROPERTY + "=")) {
                    cmd.add(arg);
                }
            }
            cmd.add("-D" + RUN_ID_PROPERTY + "=" + id);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchMain.class.getName()));
            cmd.addAll(args);
            err.println("bench: topology " + id + " up: lb " + plan.lb().address() + ", node "
                    + plan.node(1).address() + ", pod " + plan.pod(BACKEND_POD).address() + "; the runner goes on "
                    + "inside " + plan.lb().namespace());
            Process inner = topology.start(plan.lb().namespace(), cmd, ProcessBuilder::inheritIO);
            Thread hook = new Thread(() -> {
                inner.destroy();
                try {
                    if (!inner.waitFor(30, TimeUnit.SECONDS)) {
                        inner.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    inner.destroyForcibly();
                }
                topology.close();
            }, "bench-netns-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            int rc = inner.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook does the rest.
            }
            return rc;
        } finally {
            topology.close();
        }
    }
}
