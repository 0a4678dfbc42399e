package dev.portlocal.bench.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the figures out of the reference tools' output. */
final class ToolOutput {

    private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolOutput() {
    }

    /** Requests per second from wrk's summary. */
    static double wrkRequestsPerSecond(String output) {
        Matcher m = WRK_RPS.matcher(output);
        if (!m.find()) {
            throw new IllegalArgumentException("wrk output: no Requests/sec line (expected: wrk 4 summary)");
        }
        return Double.parseDouble(m.group(1));
    }

    /** Gbit/s received, from {@code iperf3 -J}: {@code end.sum_received.bits_per_second}. */
    static double iperf3ReceivedGbps(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        JsonNode bps = root.path("end").path("sum_received").path("bits_per_second");
        if (!bps.isNumber()) {
            String error = root.path("error").asText("");
            throw new IllegalArgumentException("iperf3 output: no end.sum_received.bits_per_second"
                    + (error.isEmpty() ? "" : " (error: " + error + ")"));
        }
        return bps.asDouble() / 1e9;
    }
}
