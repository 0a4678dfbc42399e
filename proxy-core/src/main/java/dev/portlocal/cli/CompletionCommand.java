package dev.portlocal.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code portlocal completion bash|zsh}: the completion script, from picocli's {@link AutoComplete}. */
@Command(name = "completion", description = {"Print a shell completion script for bash or zsh; load it with:",
    "  source <(portlocal completion bash)", "  source <(portlocal completion zsh)"})
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh")
    String shell;

    @Override
    public Integer call() {
        if (!"bash".equals(shell) && !"zsh".equals(shell)) {
            spec.commandLine().getErr().println("portlocal completion: " + shell + " (expected: bash or zsh)");
            return ExitCodes.INVALID;
        }
        if ("zsh".equals(shell)) {
            // zsh runs the bash script through its bashcompinit layer, as picocli's scripts are meant to be used.
            spec.commandLine().getOut().print("autoload -U +X compinit && compinit\n"
                    + "autoload -U +X bashcompinit && bashcompinit\n");
        }
        spec.commandLine().getOut().print(AutoComplete.bash("portlocal", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
