package dev.portlocal.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code portlocal completion bash}: the bash completion script, from picocli's {@link AutoComplete}. */
@Command(name = "completion", description = "Print a shell completion script. Bash (and zsh with bashcompinit): "
        + "source <(portlocal completion bash)")
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash")
    String shell;

    @Override
    public Integer call() {
        if (!"bash".equals(shell)) {
            spec.commandLine().getErr().println("portlocal completion: " + shell + " (expected: bash)");
            return ExitCodes.INVALID;
        }
        spec.commandLine().getOut().print(AutoComplete.bash("portlocal", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
