package dev.portlocal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command: {@code portlocal <subcommand>}. */
@Command(name = "portlocal",
        // Inherited: every subcommand gets --help (and --version) and the exit code list.
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A node-local userspace L4 proxy: each local endpoint gets its own node port.",
        subcommands = {RunCommand.class, DemoCommand.class, CheckCommand.class, EndpointsCommand.class,
            MappingsCommand.class, StatusCommand.class, VersionCommand.class, CompletionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:runtime failure; the API is unreachable or failed",
            "2:usage error; invalid configuration, mapping file or request",
            "3:no such endpoint or node port",
            "4:conflict: the mapping file owns the endpoint, or a pinned port is taken",
            "5:the API refused the token"})
final class PortlocalCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
