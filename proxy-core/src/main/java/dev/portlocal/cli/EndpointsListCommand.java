package dev.portlocal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code portlocal endpoints list}: every endpoint, from the mapping file and the API. */
@Command(name = "list", description = "List every endpoint with its ports, node ports and state.")
final class EndpointsListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        return ApiCall.run(spec, api, (client, out) -> {
            JsonNode endpoints = ApiCall.check(client.get("/v1/endpoints")).json();
            if (output.format == OutputFormat.TABLE) {
                List<JsonNode> list = new ArrayList<>();
                endpoints.forEach(list::add);
                out.print(EndpointsCommand.table(list));
            } else {
                out.print(output.format.render(endpoints));
            }
            return ExitCodes.OK;
        });
    }
}
