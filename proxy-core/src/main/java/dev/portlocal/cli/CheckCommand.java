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

/** {@code portlocal check FILE}: validates a mapping file offline, with the daemon's own messages. */
@Command(name = "check", description = "Validate a mapping file offline. Exit 0 if valid, 2 if not.")
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The mapping file (.yaml, .yml or .json).")
    Path file;

    @Option(names = "--port-range", paramLabel = "A-B", defaultValue = "61000-62000",
            description = "The node port range pinned ports must lie in (default: ${DEFAULT-VALUE}).")
    String portRange;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PortRange range;
        try {
            range = PortRange.parse(portRange);
        } catch (IllegalArgumentException e) {
            err.println("portlocal check: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        try {
            List<Endpoint> endpoints = new MappingFileParser(range).parse(file);
            int ports = endpoints.stream().mapToInt(e -> e.ports().size()).sum();
            out.println(file + ": ok, " + endpoints.size() + " endpoints, " + ports + " ports");
            return ExitCodes.OK;
        } catch (MappingFileException e) {
            for (String error : e.errors()) {
                err.println(error);
            }
            return ExitCodes.INVALID;
        }
    }
}
