package dev.portlocal.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portlocal.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code portlocal endpoints put}: creates or replaces an endpoint, from a file holding one entry of the mapping
 * file ({@code -f}) or from flags. The API validates it; its node ports listen when this returns 0.
 */
@Command(name = "put", description = "Create or replace an endpoint. Its node ports listen when this returns 0.",
        footer = {"", "Examples:",
            "  portlocal endpoints put shop/web --ip 10.244.1.23 --port 8080 --port 9090/tcp=61005",
            "  portlocal endpoints put -f web.yaml"})
final class EndpointsPutCommand implements Callable<Integer> {

    private static final Pattern PORT = Pattern.compile("(\\d{1,10})(?:/([A-Za-z]+))?(?:=(\\d{1,10}))?");
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(paramLabel = "NAME", arity = "0..1",
            description = "The endpoint: namespace/pod or a plain name (default: the name in the file).")
    String name;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "One entry of the mapping file (name, ip, ports) in YAML (.yaml, .yml) or JSON.")
    Path file;

    @Option(names = "--ip", paramLabel = "IP", description = "The endpoint's IP.")
    String ip;

    @Option(names = "--port", paramLabel = "PORT[/PROTOCOL][=NODEPORT]",
            description = "A port to map, repeatable: 8080, 53/udp, or 8080/tcp=61005 to pin the node port.")
    List<String> ports;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ObjectNode body;
        try {
            body = file != null ? fromFile() : fromFlags();
        } catch (IllegalArgumentException e) {
            err.println("portlocal endpoints put: " + e.getMessage());
            err.flush();
            return ExitCodes.INVALID;
        }
        String target = name != null ? name : body.path("name").asText();
        byte[] json = body.toString().getBytes(StandardCharsets.UTF_8);
        return ApiCall.run(spec, api, (client, out) -> {
            ApiClient.Response response = ApiCall.check(client.put(ApiClient.endpointPath(target), json));
            JsonNode endpoint = response.json();
            if (output.format == OutputFormat.TABLE) {
                out.println((response.status() == 201 ? "created " : "updated ") + target);
                out.print(EndpointsCommand.table(List.of(endpoint)));
            } else {
                out.print(output.format.render(endpoint));
            }
            return ExitCodes.OK;
        });
    }

    private ObjectNode fromFile() {
        if (ip != null || ports != null) {
            throw new IllegalArgumentException("-f: give the endpoint either in a file or with --ip and --port, "
                    + "not both");
        }
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = lower.endsWith(".yaml") || lower.endsWith(".yml") ? YAML : JSON;
        JsonNode root;
        try {
            root = mapper.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected one entry with the fields name, ip and ports");
        }
        if (root.has("endpoints")) {
            throw new IllegalArgumentException(file + ": this is a whole mapping file; give one entry (name, ip, "
                    + "ports), or let 'portlocal run --mappings' watch the file");
        }
        ObjectNode body = (ObjectNode) root;
        if (name == null && !body.path("name").isTextual()) {
            throw new IllegalArgumentException(file + ": no name (expected: a name field, or NAME)");
        }
        return body;
    }

    private ObjectNode fromFlags() {
        if (name == null) {
            throw new IllegalArgumentException("NAME: missing (expected: NAME --ip IP --port PORT..., or -f FILE)");
        }
        if (ip == null) {
            throw new IllegalArgumentException("--ip: missing (expected: the endpoint's IP)");
        }
        if (ports == null || ports.isEmpty()) {
            throw new IllegalArgumentException("--port: missing (expected: at least one PORT[/PROTOCOL][=NODEPORT])");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("name", name);
        body.put("ip", ip);
        ArrayNode list = body.putArray("ports");
        for (String spec : ports) {
            Matcher m = PORT.matcher(spec.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("--port: " + spec
                        + " (expected: PORT[/PROTOCOL][=NODEPORT], e.g. 8080, 53/udp or 8080/tcp=61005)");
            }
            ObjectNode port = list.addObject();
            port.put("port", Long.parseLong(m.group(1)));
            if (m.group(2) != null) {
                port.put("protocol", m.group(2));
            }
            if (m.group(3) != null) {
                port.put("nodePort", Long.parseLong(m.group(3)));
            }
        }
        return body;
    }
}
