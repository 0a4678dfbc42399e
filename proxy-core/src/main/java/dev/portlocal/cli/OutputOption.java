package dev.portlocal.cli;

import picocli.CommandLine.Option;

/** The {@code -o/--output} option shared by the commands that print API data. */
final class OutputOption {

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, json or yaml (default: ${DEFAULT-VALUE}).")
    OutputFormat format;
}
