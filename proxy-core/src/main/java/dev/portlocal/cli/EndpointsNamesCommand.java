package dev.portlocal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code portlocal endpoints names}: every endpoint's name, one per line, for the shell completion of
 * {@code endpoints get}, {@code put} and {@code delete}. Hidden from help: a script's interface, not a person's.
 */
@Command(name = "names", hidden = true, description = "Print every endpoint's name, one per line.")
final class EndpointsNamesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        return ApiCall.run(spec, api, (client, out) -> {
            JsonNode endpoints = ApiCall.check(client.get("/v1/endpoints")).json();
            StringBuilder names = new StringBuilder();
            for (JsonNode endpoint : endpoints) {
                names.append(endpoint.path("name").asText()).append('\n');
            }
            out.print(names);
            return ExitCodes.OK;
        });
    }
}
