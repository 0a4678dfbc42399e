package dev.portlocal.cli;

import dev.portlocal.file.MappingFileException;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.PortRange;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code portlocal check [FILE] [--config FILE]}: validates a mapping file offline, with the daemon's own messages.
 * With {@code --config}, the daemon's config file is validated too, and its {@code mappings} and {@code portRange}
 * are used unless given here; that is what the systemd unit's {@code ExecStartPre=} runs.
 */
@Command(name = "check", description = "Validate a mapping file (and with --config, the daemon's config file) "
        + "offline. Exit 0 if valid, 2 if not.")
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "0..1",
            description = "The mapping file (.yaml, .yml or .json); default: the config file's mappings.")
    Path file;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The daemon's config file: validated, and its mappings and portRange used as defaults.")
    Path config;

    @Option(names = "--port-range", paramLabel = "A-B",
            description = "The node port range pinned ports must lie in (default: the config's, else "
                    + "61000-62000).")
    String portRange;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PortRange range;
        Path mappings = file;
        try {
            ConfigFile cfg = config == null ? ConfigFile.EMPTY : ConfigFile.load(config);
            String r = portRange != null ? portRange : cfg.portRange();
            range = r == null ? PortRange.DEFAULT : PortRange.parse(r);
            if (mappings == null && cfg.mappings() != null) {
                mappings = Path.of(cfg.mappings());
            }
        } catch (IllegalArgumentException e) {
            err.println("portlocal check: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        if (mappings == null) {
            if (config == null) {
                err.println("portlocal check: missing FILE (expected: a mapping file, or --config with mappings)");
                return ExitCodes.INVALID;
            }
            out.println(config + ": ok, no mapping file");
            return ExitCodes.OK;
        }
        try {
            List<Endpoint> endpoints = new MappingFileParser(range).parse(mappings);
            int ports = endpoints.stream().mapToInt(e -> e.ports().size()).sum();
            out.println(mappings + ": ok, " + endpoints.size() + " endpoints, " + ports + " ports");
            return ExitCodes.OK;
        } catch (MappingFileException e) {
            for (String error : e.errors()) {
                err.println(error);
            }
            return ExitCodes.INVALID;
        }
    }
}
