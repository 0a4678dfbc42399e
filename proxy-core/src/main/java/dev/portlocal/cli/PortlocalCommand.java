package dev.portlocal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: {@code portlocal <subcommand>}. */
@Command(name = "portlocal",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A node-local userspace L4 proxy: each local endpoint gets its own node port.",
        subcommands = {RunCommand.class, DemoCommand.class, CheckCommand.class, VersionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:runtime failure",
            "2:usage error, or invalid configuration or mapping file"})
final class PortlocalCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
