package dev.portlocal.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code portlocal completion bash|zsh}: the completion script, from picocli's {@link AutoComplete}. */
@Command(name = "completion", description = {"Print a shell completion script for bash or zsh; load it with:",
    "  source <(portlocal completion bash)", "  source <(portlocal completion zsh)"})
final class CompletionCommand implements Callable<Integer> {

    /** The commands whose NAME is an endpoint's: their positionals come from the daemon. */
    private static final List<String> NAMED = List.of("get", "put", "delete");

    private static final String NAMES_FUNCTION = """

            # Endpoint names from the running daemon (at the --api on the line, if any), for endpoints get, put and
            # delete; nothing when it does not answer within a second.
            function _portlocal_endpoint_names() {
              local api=() i
              for ((i = 1; i < COMP_CWORD; i++)); do
                # bash splits --api=ADDR into --api, = and ADDR
                if [[ ${COMP_WORDS[i]} == --api && ${COMP_WORDS[i+1]} == = ]]; then
                  api=(--api "${COMP_WORDS[i+2]}")
                elif [[ ${COMP_WORDS[i]} == --api ]]; then
                  api=(--api "${COMP_WORDS[i+1]}")
                fi
              done
              "${COMP_WORDS[0]}" endpoints names --timeout 1s "${api[@]}" 2>/dev/null
            }
            """;

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
        spec.commandLine().getOut().print(withEndpointNames(AutoComplete.bash("portlocal",
                spec.root().commandLine())));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    /**
     * {@code script} with the endpoint names of the running daemon offered where a command takes one. picocli
     * completes positionals from a fixed list only; the names are asked of the daemon (at the {@code --api} on the
     * line, if any) when the user presses tab, and nothing is offered if it does not answer within a second.
     */
    static String withEndpointNames(String script) {
        String out = script;
        for (String command : NAMED) {
            String function = "function _picocli_portlocal_endpoints_" + command + "() {";
            int start = out.indexOf(function);
            int end = start < 0 ? -1 : out.indexOf("\n}\n", start);
            String empty = "local positionals=\"\"";
            int at = start < 0 ? -1 : out.indexOf(empty, start);
            if (at < 0 || at > end) {
                throw new IllegalStateException("picocli's completion script has no positionals for endpoints "
                        + command + "; the endpoint names cannot be added");
            }
            out = out.substring(0, at) + "local positionals=\"$(_portlocal_endpoint_names)\""
                    + out.substring(at + empty.length());
        }
        return out + NAMES_FUNCTION;
    }
}
