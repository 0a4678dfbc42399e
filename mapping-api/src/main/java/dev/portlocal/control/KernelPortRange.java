package dev.portlocal.control;

import dev.portlocal.model.PortRange;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Reads the kernel's ephemeral port range and its reserved ports, so that the daemon can warn when the node port
 * range overlaps the ports the kernel hands out to outgoing connections: such a connection could take a node port
 * before a mapping does. Ports listed in {@code ip_local_reserved_ports} are never handed out, so a node port range
 * inside the reserved set is safe even where it lies inside the ephemeral range.
 *
 * <p>procfs files report a size of 0, so they are read as streams to their end; a read sized by the file's
 * length (as {@code Files.readString} does on JDK 17) gets at most one byte.
 */
public final class KernelPortRange {

    public static final Path PROC_FILE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    public static final Path RESERVED_FILE = Path.of("/proc/sys/net/ipv4/ip_local_reserved_ports");

    private KernelPortRange() {
    }

    /** The range in {@link #PROC_FILE}, or empty where there is no such file (not Linux, or no procfs). */
    public static Optional<PortRange> read() {
        return read(PROC_FILE);
    }

    /** The range in {@code file}, formatted like {@link #PROC_FILE}; empty if unreadable or malformed. */
    public static Optional<PortRange> read(Path file) {
        return readWhole(file).flatMap(KernelPortRange::parse);
    }

    /** The ports in {@link #RESERVED_FILE}; empty where there is no such file, or none are reserved. */
    public static List<PortRange> readReserved() {
        return readReserved(RESERVED_FILE);
    }

    /** The ports in {@code file}, formatted like {@link #RESERVED_FILE}; empty if unreadable. */
    public static List<PortRange> readReserved(Path file) {
        return readWhole(file).map(KernelPortRange::parseReserved).orElse(List.of());
    }

    /**
     * How many ports of {@code nodeRange} the kernel may hand out to outgoing connections: those inside the
     * ephemeral range and not reserved, both read from procfs now. 0 where procfs does not tell.
     */
    public static int ephemeralPortsIn(PortRange nodeRange) {
        Optional<PortRange> ephemeral = read();
        return ephemeral.isEmpty() ? 0 : ephemeralPortsIn(nodeRange, ephemeral.get(), readReserved());
    }

    /** How many ports of {@code nodeRange} lie inside {@code ephemeral} and outside every range of {@code reserved}. */
    public static int ephemeralPortsIn(PortRange nodeRange, PortRange ephemeral, List<PortRange> reserved) {
        if (!nodeRange.overlaps(ephemeral)) {
            return 0;
        }
        int start = Math.max(nodeRange.start(), ephemeral.start());
        int end = Math.min(nodeRange.end(), ephemeral.end());
        BitSet exposed = new BitSet();
        exposed.set(start, end + 1);
        for (PortRange r : reserved) {
            if (r.overlaps(ephemeral)) {
                exposed.clear(Math.max(r.start(), start), Math.min(r.end(), end) + 1);
            }
        }
        return exposed.cardinality();
    }

    /** Parses {@code "32768\t60999\n"}; empty if malformed. */
    public static Optional<PortRange> parse(String content) {
        String[] parts = content.trim().split("\\s+");
        if (parts.length != 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PortRange(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Parses {@code "8080,61000-61500\n"} (the kernel's format, empty when none); malformed parts are skipped. */
    public static List<PortRange> parseReserved(String content) {
        List<PortRange> out = new ArrayList<>();
        for (String part : content.trim().split(",")) {
            String text = part.trim();
            if (text.isEmpty()) {
                continue;
            }
            try {
                out.add(text.indexOf('-') < 0 ? new PortRange(Integer.parseInt(text), Integer.parseInt(text))
                        : PortRange.parse(text));
            } catch (IllegalArgumentException e) {
                // skipped: the kernel never writes this, and a warning is all that depends on it
            }
        }
        return List.copyOf(out);
    }

    private static Optional<String> readWhole(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
