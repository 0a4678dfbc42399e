package dev.portlocal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portlocal.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code portlocal endpoints get NAME}: one endpoint, or its NPL annotation. */
@Command(name = "get", description = "Show one endpoint, or with --annotation its nodeportlocal.antrea.io "
        + "annotation.")
final class EndpointsGetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(paramLabel = "NAME", description = "The endpoint: namespace/pod or a plain name.")
    String name;

    @Option(names = "--annotation",
            description = "Print the NPL annotation value exactly, as one line of JSON (ignores -o).")
    boolean annotation;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        return ApiCall.run(spec, api, (client, out) -> {
            String path = ApiClient.endpointPath(name);
            if (annotation) {
                out.println(ApiCall.check(client.get(path + "/annotation")).text());
                return ExitCodes.OK;
            }
            JsonNode endpoint = ApiCall.check(client.get(path)).json();
            out.print(output.format == OutputFormat.TABLE ? EndpointsCommand.table(List.of(endpoint))
                    : output.format.render(endpoint));
            return ExitCodes.OK;
        });
    }
}
