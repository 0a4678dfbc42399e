package dev.portlocal.cli;

import dev.portlocal.config.DaemonOptions;
import dev.portlocal.config.OptionValues;
import dev.portlocal.daemon.Daemon;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.model.Endpoint;
import dev.portlocal.systemd.SystemdSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code portlocal check [FILE] [--config FILE] [OPTIONS]}: validates offline what {@code run} with the same
 * arguments validates before it binds anything, with the same messages: every option (flags over the config
 * file), the API token file and the mapping file. FILE, if given, is the mapping file. The systemd unit runs
 * {@code check --config} as its {@code ExecStartPre=}, so a configuration that {@code run} would refuse never
 * reaches it.
 */
@Command(name = "check", modelTransformer = DaemonFlags.class,
        description = "Validate offline what 'run' with the same options validates before it starts: the options, "
                + "the config file, the API token file and the mapping file. Exit 0 if valid, 2 if not.")
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "0..1",
            description = "The mapping file (.yaml, .yml or .json); default: --mappings, else the config file's.")
    Path file;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The daemon's config file, as 'run --config' reads it. Flags win over it.")
    Path config;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DaemonConfig cfg;
        try {
            OptionValues flags = DaemonFlags.given(spec);
            if (file != null) {
                flags = flags.with(DaemonOptions.MAPPINGS, file);
            }
            cfg = DaemonFlags.config(flags, config, SystemdSettings.NONE);
        } catch (IllegalArgumentException e) {
            DaemonFlags.print(err, "portlocal check", e);
            return ExitCodes.INVALID;
        }
        if (cfg.mappingsFile().isEmpty() && config == null) {
            err.println("portlocal check: missing FILE (expected: a mapping file, or --config with mappings)");
            return ExitCodes.INVALID;
        }
        Optional<List<Endpoint>> endpoints;
        try {
            endpoints = Daemon.validate(cfg);
        } catch (MappingFileException e) {
            for (String error : e.errors()) {
                err.println(error);
            }
            return ExitCodes.INVALID;
        } catch (IllegalArgumentException e) {
            DaemonFlags.print(err, "portlocal check", e);
            return ExitCodes.INVALID;
        }
        if (endpoints.isEmpty()) {
            out.println(config + ": ok, no mapping file");
        } else {
            int ports = endpoints.get().stream().mapToInt(e -> e.ports().size()).sum();
            out.println(cfg.mappingsFile().get() + ": ok, " + endpoints.get().size() + " endpoints, " + ports
                    + " ports");
        }
        return ExitCodes.OK;
    }
}
