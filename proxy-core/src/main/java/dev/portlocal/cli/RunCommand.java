package dev.portlocal.cli;

import dev.portlocal.config.OptionValues;
import dev.portlocal.daemon.Daemon;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.daemon.Signals;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.systemd.SystemdSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code portlocal run}: the daemon. Its options are the {@link dev.portlocal.config.DaemonOptions}, as flags and
 * as keys of the {@code --config} file. SIGTERM or SIGINT drains and exits 0 (a second one exits at once); SIGHUP
 * reloads the {@code --config} file (flags still win over it) and the mapping file.
 */
@Command(name = "run", modelTransformer = DaemonFlags.class,
        description = "Run the daemon: watch the mapping file, serve the HTTP API, and serve the node ports of both.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML file with any of these options in camelCase. Flags win over it.")
    Path config;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SystemdSettings systemd = SystemdSettings.fromEnvironment(System.getenv(), ProcessHandle.current().pid());
        OptionValues flags;
        DaemonConfig cfg;
        try {
            flags = DaemonFlags.given(spec);
            cfg = DaemonFlags.config(flags, config, systemd);
        } catch (IllegalArgumentException e) {
            DaemonFlags.print(err, "portlocal run", e);
            return ExitCodes.INVALID;
        }
        Daemon daemon = new Daemon(cfg);
        // Before the start: systemd may send SIGHUP as soon as it sees READY=1, and an unhandled SIGHUP ends the JVM.
        installSignalHandlers(daemon);
        Signals.on("HUP", () -> daemon.reload(() -> DaemonFlags.config(flags, config, systemd)));
        try {
            daemon.start();
        } catch (MappingFileException e) {
            for (String error : e.errors()) {
                err.println(error);
            }
            daemon.stop();
            return ExitCodes.INVALID;
        } catch (IllegalArgumentException e) {
            DaemonFlags.print(err, "portlocal run", e);
            daemon.stop();
            return ExitCodes.INVALID;
        } catch (RuntimeException e) {
            err.println("portlocal run: cannot start: " + (e.getMessage() == null ? e : e.getMessage()));
            daemon.stop();
            return ExitCodes.FAILURE;
        }
        try {
            daemon.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            daemon.stop();
        }
        return ExitCodes.OK;
    }

    /** First SIGTERM or SIGINT: stop accepting, drain, exit 0. A second one: exit at once. */
    static void installSignalHandlers(Daemon daemon) {
        AtomicInteger count = new AtomicInteger();
        Runnable handler = () -> {
            if (count.incrementAndGet() == 1) {
                Thread t = new Thread(daemon::stop, "portlocal-shutdown");
                t.setDaemon(false);
                t.start();
            } else {
                Runtime.getRuntime().halt(ExitCodes.FAILURE);
            }
        };
        Signals.on("TERM", handler);
        Signals.on("INT", handler);
    }
}
