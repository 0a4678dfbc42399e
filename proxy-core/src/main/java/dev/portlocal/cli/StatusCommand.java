package dev.portlocal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code portlocal status}: the one screen an operator reads first. Version, uptime and readiness; the sources and
 * the last apply of the mapping file; mappings by state; free ports; and per mapping its state, live and total
 * connections and bytes each way. Read from {@code /v1/info}, {@code /v1/mappings} and {@code /metrics}.
 */
@Command(name = "status", description = "Show the daemon at a glance: version, uptime, sources, mappings by state, "
        + "free ports, and connections and bytes per mapping.")
final class StatusCommand implements Callable<Integer> {

    /** A sample line of the Prometheus text format: name, labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        return ApiCall.run(spec, api, (client, out) -> {
            JsonNode info = ApiCall.check(client.get("/v1/info")).json();
            JsonNode mappings = ApiCall.check(client.get("/v1/mappings")).json();
            Map<String, Map<String, Double>> perMapping = new HashMap<>();
            Map<String, Double> daemon = new HashMap<>();
            metrics(ApiCall.check(client.get("/metrics")).text(), perMapping, daemon);
            ObjectNode status = JsonNodeFactory.instance.objectNode();
            status.set("info", info);
            Double started = daemon.get("process_start_time_seconds");
            if (started != null) {
                status.put("uptimeSeconds", Math.max(0, Instant.now().getEpochSecond() - started.longValue()));
            }
            status.set("mappings", withTraffic(mappings, perMapping));
            if (output.format != OutputFormat.TABLE) {
                out.print(output.format.render(status));
                return ExitCodes.OK;
            }
            out.print(screen(status));
            return ExitCodes.OK;
        });
    }

    /** The mapping rows with {@code active}, {@code connections}, {@code bytesToEndpoint}, {@code bytesToClient}. */
    private static JsonNode withTraffic(JsonNode mappings, Map<String, Map<String, Double>> perMapping) {
        for (JsonNode m : mappings) {
            Map<String, Double> t = perMapping.getOrDefault(key(m.path("endpoint").asText(), m.path("port").asText(),
                    m.path("protocol").asText(), m.path("ipFamily").asText()), Map.of());
            ObjectNode row = (ObjectNode) m;
            if (m.path("protocol").asText().equals("udp")) {
                row.put("active", t.getOrDefault("portlocal_udp_sessions_active", 0.0).longValue());
                row.put("connections", t.getOrDefault("portlocal_udp_sessions_total", 0.0).longValue());
                row.put("bytesToEndpoint", -1);
                row.put("bytesToClient", -1);
            } else {
                row.put("active", t.getOrDefault("portlocal_connections_active", 0.0).longValue());
                row.put("connections", t.getOrDefault("portlocal_connections_total", 0.0).longValue());
                row.put("bytesToEndpoint", t.getOrDefault("bytes:to_endpoint", 0.0).longValue());
                row.put("bytesToClient", t.getOrDefault("bytes:to_client", 0.0).longValue());
            }
        }
        return mappings;
    }

    private static String key(String endpoint, String port, String protocol, String family) {
        return endpoint + "\u0000" + port + "\u0000" + protocol + "\u0000" + family;
    }

    /** Reads the per-mapping series and the daemon's own gauges that the screen shows. */
    static void metrics(String text, Map<String, Map<String, Double>> perMapping, Map<String, Double> daemon) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String name = m.group(1);
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            if (!labels.containsKey("endpoint")) {
                daemon.merge(name, value, Double::sum);
                continue;
            }
            String k = key(labels.get("endpoint"), labels.getOrDefault("port", ""), labels.getOrDefault("protocol",
                    ""), labels.getOrDefault("ip_family", ""));
            String series = name.equals("portlocal_bytes_total") ? "bytes:" + labels.get("direction") : name;
            perMapping.computeIfAbsent(k, x -> new HashMap<>()).merge(series, value, Double::sum);
        }
    }

    private static String screen(JsonNode status) {
        JsonNode info = status.path("info");
        StringBuilder out = new StringBuilder();
        out.append("portlocal ").append(info.path("version").asText());
        if (status.has("uptimeSeconds")) {
            out.append(", up ").append(uptime(Duration.ofSeconds(status.path("uptimeSeconds").asLong())));
        }
        out.append(", ").append(info.path("ready").asBoolean() ? "ready" : "NOT READY").append('\n');
        Map<String, Integer> bySource = new TreeMap<>();
        Map<String, Integer> byState = new TreeMap<>();
        Map<String, Boolean> endpoints = new HashMap<>();
        for (JsonNode m : status.path("mappings")) {
            if (endpoints.put(m.path("endpoint").asText(), Boolean.TRUE) == null) {
                bySource.merge(m.path("source").asText(), 1, Integer::sum);
            }
            byState.merge(m.path("state").asText(), 1, Integer::sum);
        }
        out.append("sources: ");
        List<String> sources = new ArrayList<>();
        bySource.forEach((s, n) -> sources.add(s + " " + n + (n == 1 ? " endpoint" : " endpoints")));
        out.append(sources.isEmpty() ? "no endpoints" : String.join(", ", sources));
        JsonNode reload = info.path("reload");
        if (!reload.isMissingNode() && !reload.isNull()) {
            out.append("; last apply ").append(reload.path("lastSuccessful").asBoolean(true) ? "ok" : "REFUSED");
            if (reload.has("lastSuccessTime")) {
                out.append(" (last success ").append(reload.path("lastSuccessTime").asText()).append(')');
            }
        }
        out.append('\n');
        out.append("mappings: ").append(info.path("mappings").asInt());
        List<String> states = new ArrayList<>();
        byState.forEach((s, n) -> states.add(s + " " + n));
        if (!states.isEmpty()) {
            out.append(" (").append(String.join(", ", states)).append(')');
        }
        out.append('\n');
        JsonNode free = info.path("freePorts");
        JsonNode range = info.path("portRange");
        out.append("free ports in ").append(range.path("start").asInt()).append('-').append(range.path("end").asInt())
                .append(": tcp ").append(free.path("tcp").path("IPv4").asInt()).append(" IPv4, ")
                .append(free.path("tcp").path("IPv6").asInt()).append(" IPv6; udp ")
                .append(free.path("udp").path("IPv4").asInt()).append(" IPv4, ")
                .append(free.path("udp").path("IPv6").asInt()).append(" IPv6\n\n");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode m : status.path("mappings")) {
            rows.add(List.of(m.path("endpoint").asText(), m.path("port").asText(), m.path("protocol").asText(),
                    OutputFormat.cell(m.get("nodePort")), m.path("state").asText(), m.path("active").asText(),
                    m.path("connections").asText(), bytes(m.path("bytesToEndpoint").asLong()),
                    bytes(m.path("bytesToClient").asLong())));
        }
        out.append(OutputFormat.table(List.of("ENDPOINT", "PORT", "PROTOCOL", "NODE_PORT", "STATE", "ACTIVE",
                "TOTAL", "TO_ENDPOINT", "TO_CLIENT"), rows, "No mappings."));
        return out.toString();
    }

    static String uptime(Duration d) {
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        if (days > 0) {
            return days + "d " + hours + "h";
        }
        if (hours > 0) {
            return hours + "h " + minutes + "m";
        }
        return minutes + "m " + d.toSecondsPart() + "s";
    }

    /** Bytes for people: 512 B, 3.2 KiB, 17.0 MiB, 1.4 GiB; "-" where not counted. */
    static String bytes(long n) {
        if (n < 0) {
            return "-";
        }
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
