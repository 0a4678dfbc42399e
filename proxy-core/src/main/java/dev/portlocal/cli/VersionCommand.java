package dev.portlocal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code portlocal version}. */
@Command(name = "version", description = "Print the version.")
final class VersionCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().println("portlocal " + VersionProvider.version() + " (java "
                + System.getProperty("java.version") + ")");
    }
}
