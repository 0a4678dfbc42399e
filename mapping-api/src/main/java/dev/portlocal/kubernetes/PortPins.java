package dev.portlocal.kubernetes;

import dev.portlocal.model.Protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pinned node ports, declared on a Pod with the annotation {@value #KEY}: a comma-separated list of
 * {@code podPort[/protocol]=nodePort}, for example {@code "8080=61500, 53/udp=61053"}; the protocol defaults to
 * tcp. A pin applies to every IP family of that port (each family is its own port space). NodePortLocal has no
 * such thing. Pure.
 */
public final class PortPins {

    /** The Pod annotation that pins node ports. */
    public static final String KEY = "portlocal.dev/node-ports";

    private static final String EXPECTED = "podPort[/tcp|/udp]=nodePort, e.g. 8080=61500";

    private PortPins() {
    }

    /** A Pod port in one protocol. */
    public record PodPort(int port, Protocol protocol) {
        @Override
        public String toString() {
            return port + "/" + protocol.wireName();
        }
    }

    /** The pins read, in order, and a reason for each item that was not understood (and so ignored). */
    public record Parsed(Map<PodPort, Integer> pins, List<String> problems) {
        public Parsed {
            pins = Map.copyOf(pins);
            problems = List.copyOf(problems);
        }
    }

    /** Reads {@code value} (null or blank: no pins). Never throws. */
    public static Parsed parse(String value) {
        Map<PodPort, Integer> pins = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return new Parsed(pins, problems);
        }
        for (String raw : value.split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            try {
                int eq = item.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("missing '='");
                }
                PodPort key = podPort(item.substring(0, eq));
                int nodePort = port(item.substring(eq + 1).trim());
                if (pins.putIfAbsent(key, nodePort) != null) {
                    throw new IllegalArgumentException(key + " pinned twice");
                }
            } catch (IllegalArgumentException e) {
                problems.add(KEY + ": " + item + " (expected: " + EXPECTED + "; " + e.getMessage() + ")");
            }
        }
        return new Parsed(pins, problems);
    }

    /**
     * {@code podPort[/protocol]}, tcp by default, as this annotation and {@link PortPolicyAnnotation}'s
     * {@code ports} write a Pod port.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static PodPort podPort(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        Protocol protocol = slash < 0 ? Protocol.TCP : Protocol.parse(trimmed.substring(slash + 1).trim());
        return new PodPort(port(slash < 0 ? trimmed : trimmed.substring(0, slash).trim()), protocol);
    }

    private static int port(String text) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(text + " is not a port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(port + " is not in 1-65535");
        }
        return port;
    }
}
