package dev.portlocal.control;

import dev.portlocal.model.PortRange;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads the kernel's ephemeral port range, so that the daemon can warn when the node port range overlaps it: an
 * outgoing connection could then take a node port before a mapping does (NodePortLocal #2381).
 */
public final class KernelPortRange {

    public static final Path PROC_FILE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private KernelPortRange() {
    }

    /** The range in {@link #PROC_FILE}, or empty where there is no such file (not Linux, or no procfs). */
    public static Optional<PortRange> read() {
        return read(PROC_FILE);
    }

    /** The range in {@code file}, formatted like {@link #PROC_FILE}; empty if unreadable or malformed. */
    public static Optional<PortRange> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
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
}
