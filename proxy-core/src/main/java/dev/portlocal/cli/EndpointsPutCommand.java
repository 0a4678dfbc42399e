package dev.portlocal.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portlocal.api.ApiClient;
import picocli.CommandLine.ArgGroup;
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
@Command(name = "put", sortOptions = false,
        description = {"Create or replace an endpoint. Its node ports listen when this returns 0.",
    "Each port's own options follow its --port, as the fields follow port: in the mapping file."},
        footer = {"", "Examples:",
            "  portlocal endpoints put shop/web --ip 10.244.1.23 --port 8080 --port 9090/tcp=61005",
            "  portlocal endpoints put shop/web --ip 10.244.1.23 --ip fd00:10:244:1::17 \\",
            "      --port 8080 --health-check '{interval: 5s}' --proxy-protocol v2 --allow-from 192.0.2.0/24 \\",
            "      --port 53/udp --idle-timeout 30s",
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

    @Option(names = "--ip", paramLabel = "IP",
            description = "The endpoint's IP; twice, one of each family, for a dual-stack endpoint.")
    List<String> ips;

    @ArgGroup(exclusive = false, multiplicity = "0..*", heading = "%nPorts (each option applies to the --port "
            + "before it):%n")
    List<PortOptions> ports;

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
        if (ips != null || ports != null) {
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
        if (ips == null || ips.isEmpty()) {
            throw new IllegalArgumentException("--ip: missing (expected: the endpoint's IP)");
        }
        if (ports == null || ports.isEmpty()) {
            throw new IllegalArgumentException("--port: missing (expected: at least one PORT[/PROTOCOL][=NODEPORT])");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("name", name);
        if (ips.size() == 1) {
            body.put("ip", ips.get(0));
        } else {
            ArrayNode list = body.putArray("ips");
            ips.forEach(list::add);
        }
        ArrayNode list = body.putArray("ports");
        for (PortOptions options : ports) {
            options.addTo(list.addObject());
        }
        return body;
    }

    /**
     * One {@code --port} and the options that follow it: every field a port entry of the mapping file takes.
     * Values go to the API as the file would write them, so the API's reader judges them with the file's messages.
     */
    static final class PortOptions {

        @Option(names = "--port", required = true, paramLabel = "PORT[/PROTOCOL][=NODEPORT]",
                description = "A port to map, repeatable: 8080, 53/udp, or 8080/tcp=61005 to pin the node port.")
        String port;

        @Option(names = "--health-check", arity = "0..1", fallbackValue = "{}", paramLabel = "SPEC",
                description = "Check the endpoint (tcp): {} for the defaults, or '{interval: 5s, timeout: 1s, "
                        + "rise: 2, fall: 2}'.")
        String healthCheck;

        @Option(names = "--proxy-protocol", paramLabel = "v1|v2",
                description = "Send a PROXY protocol header with the client's address (tcp).")
        String proxyProtocol;

        @Option(names = "--allow-from", split = ",", paramLabel = "CIDR",
                description = "Accept clients from these networks only; repeatable or comma-separated.")
        List<String> allowFrom;

        @Option(names = "--max-connections", paramLabel = "N",
                description = "Refuse new connections (tcp) or sessions (udp) past N at once.")
        String maxConnections;

        @Option(names = "--connect-timeout", paramLabel = "DURATION",
                description = "This port's connect timeout to the endpoint (tcp), e.g. 2s.")
        String connectTimeout;

        @Option(names = "--idle-timeout", paramLabel = "DURATION",
                description = "Close a connection or session idle this long, e.g. 30s.")
        String idleTimeout;

        @Option(names = "--access-log", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
                description = "Log each connection of this port when it ends (default: the daemon's setting).")
        Boolean accessLog;

        void addTo(ObjectNode entry) {
            Matcher m = PORT.matcher(port.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("--port: " + port
                        + " (expected: PORT[/PROTOCOL][=NODEPORT], e.g. 8080, 53/udp or 8080/tcp=61005)");
            }
            entry.put("port", Long.parseLong(m.group(1)));
            if (m.group(2) != null) {
                entry.put("protocol", m.group(2));
            }
            if (m.group(3) != null) {
                entry.put("nodePort", Long.parseLong(m.group(3)));
            }
            if (healthCheck != null) {
                entry.set("healthCheck", healthCheck(healthCheck));
            }
            putText(entry, "proxyProtocol", proxyProtocol);
            if (allowFrom != null) {
                ArrayNode cidrs = entry.putArray("allowFrom");
                allowFrom.forEach(c -> cidrs.add(c.trim()));
            }
            if (maxConnections != null) {
                try {
                    entry.put("maxConnections", Long.parseLong(maxConnections.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--max-connections: " + maxConnections
                            + " (expected: a whole number, at least 1)");
                }
            }
            putText(entry, "connectTimeout", connectTimeout);
            putText(entry, "idleTimeout", idleTimeout);
            if (accessLog != null) {
                entry.put("accessLog", accessLog);
            }
        }

        private static void putText(ObjectNode entry, String field, String value) {
            if (value != null) {
                entry.put(field, value);
            }
        }

        /** The check as the file writes it: a YAML or JSON object, {@code {}} for the defaults. */
        private static JsonNode healthCheck(String text) {
            JsonNode check;
            try {
                check = YAML.readTree(text);
            } catch (JacksonException e) {
                throw new IllegalArgumentException("--health-check: " + text + " ("
                        + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
            }
            if (check == null || !check.isObject()) {
                throw new IllegalArgumentException("--health-check: " + text
                        + " (expected: an object such as {} or '{interval: 5s, rise: 3}')");
            }
            return check;
        }
    }
}
