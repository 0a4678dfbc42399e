package dev.portlocal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code portlocal mappings}: every mapping, one row each. */
@Command(name = "mappings", description = "List every mapping: endpoint, port, node IP and port, source, state.")
final class MappingsCommand implements Callable<Integer> {

    private static final List<String> COLUMNS = List.of("endpoint", "ip", "port", "protocol", "nodeIP", "nodePort",
            "ipFamily", "source", "state", "message");

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        return ApiCall.run(spec, api, (client, out) -> {
            JsonNode mappings = ApiCall.check(client.get("/v1/mappings")).json();
            if (output.format != OutputFormat.TABLE) {
                out.print(output.format.render(mappings));
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode mapping : mappings) {
                List<String> row = new ArrayList<>();
                for (String column : COLUMNS) {
                    row.add(OutputFormat.cell(mapping.get(column)));
                }
                rows.add(row);
            }
            List<String> header = new ArrayList<>();
            for (String column : COLUMNS) {
                header.add(column.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
            }
            out.print(OutputFormat.table(header, rows, "No mappings."));
            return ExitCodes.OK;
        });
    }
}
