package dev.portlocal.cli;

import dev.portlocal.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code portlocal endpoints delete NAME}: its node ports stop listening before this returns. */
@Command(name = "delete", description = "Delete an endpoint created through the API. Its node ports stop "
        + "listening before this returns; open connections drain.")
final class EndpointsDeleteCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(paramLabel = "NAME", description = "The endpoint: namespace/pod or a plain name.")
    String name;

    @Override
    public Integer call() {
        return ApiCall.run(spec, api, (client, out) -> {
            ApiCall.check(client.delete(ApiClient.endpointPath(name)));
            out.println("deleted " + name);
            return ExitCodes.OK;
        });
    }
}
