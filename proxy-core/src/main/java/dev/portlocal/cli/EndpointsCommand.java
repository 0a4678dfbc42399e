package dev.portlocal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/** {@code portlocal endpoints list|get|put|delete}: a client of the HTTP API. */
@Command(name = "endpoints", description = "List, read, create, update and delete endpoints through the API.",
        subcommands = {EndpointsListCommand.class, EndpointsGetCommand.class, EndpointsPutCommand.class,
            EndpointsDeleteCommand.class, EndpointsNamesCommand.class})
final class EndpointsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The endpoints table: one row per endpoint, its ports as {@code port/protocol->nodePort}. */
    static String table(List<JsonNode> endpoints) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode endpoint : endpoints) {
            List<String> ports = new ArrayList<>();
            int listening = 0;
            List<String> problems = new ArrayList<>();
            for (JsonNode port : endpoint.path("ports")) {
                ports.add(port.path("port").asText() + "/" + port.path("protocol").asText() + "->"
                        + OutputFormat.cell(port.get("nodePort")));
                if ("listening".equals(port.path("state").asText())) {
                    listening++;
                } else {
                    problems.add(port.path("state").asText() + ": " + port.path("message").asText());
                }
            }
            String state = listening == ports.size() ? "listening"
                    : listening + "/" + ports.size() + " listening; " + String.join("; ", problems);
            rows.add(List.of(endpoint.path("name").asText(), endpoint.path("source").asText(),
                    endpoint.path("ip").asText(), String.join(",", ports), state));
        }
        return OutputFormat.table(List.of("NAME", "SOURCE", "IP", "PORTS", "STATE"), rows, "No endpoints.");
    }
}
