package dev.portlocal.testing.netns;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * The sockets of one network namespace as its kernel lists them in {@code /proc/net/{tcp,tcp6,udp,udp6}}: what is
 * bound there, whichever process holds it. Reading the tables rather than a process's fds is the point: a test
 * asks what the node exposes, not what one daemon thinks it holds.
 */
public final class ProcNetTable {

    /** Prints each table after a {@code # name} marker line; a missing table (no IPv6) prints only its marker. */
    static final String DUMP_SCRIPT = "for t in tcp tcp6 udp udp6; do echo \"# $t\"; cat /proc/net/$t 2>/dev/null; "
            + "done";

    /** The kernel's TCP_LISTEN state, {@code 0A} in the tables. */
    static final int TCP_LISTEN = 0x0A;

    private ProcNetTable() {
    }

    /** One socket: its table ({@code tcp}, {@code tcp6}, {@code udp}, {@code udp6}), local port and state. */
    public record Entry(String table, int localPort, int state) {
        public Entry {
            requireNonNull(table, "table");
            if (localPort < 0 || localPort > 65535) {
                throw new IllegalArgumentException("localPort: " + localPort + " (expected: 0-65535)");
            }
        }

        public boolean tcp() {
            return table.startsWith("tcp");
        }

        public boolean listening() {
            return tcp() && state == TCP_LISTEN;
        }
    }

    /** Parses {@link #DUMP_SCRIPT}'s output. */
    static List<Entry> parse(String dump) {
        List<Entry> entries = new ArrayList<>();
        String table = null;
        for (String raw : dump.split("\n")) {
            String line = raw.trim();
            if (line.startsWith("# ")) {
                table = line.substring(2).trim();
                continue;
            }
            if (line.isEmpty() || line.startsWith("sl ") || table == null) {
                continue;
            }
            // "0: 0B12C6C6:EE48 00000000:0000 0A ..." : slot, local address:port, remote, state.
            String[] f = line.split("\\s+");
            if (f.length < 4) {
                throw new IllegalArgumentException("/proc/net/" + table + " line: " + line
                        + " (expected: sl local_address rem_address st ...)");
            }
            String local = f[1];
            int colon = local.lastIndexOf(':');
            entries.add(new Entry(table, Integer.parseInt(local.substring(colon + 1), 16), Integer.parseInt(f[3], 16)));
        }
        return entries;
    }

    /** The TCP ports something listens on, IPv4 or IPv6. */
    public static Set<Integer> listeningTcpPorts(List<Entry> entries) {
        Set<Integer> ports = new TreeSet<>();
        entries.stream().filter(Entry::listening).forEach(e -> ports.add(e.localPort()));
        return ports;
    }

    /** The UDP ports something has bound, IPv4 or IPv6, connected or not. */
    public static Set<Integer> boundUdpPorts(List<Entry> entries) {
        Set<Integer> ports = new TreeSet<>();
        entries.stream().filter(e -> !e.tcp()).forEach(e -> ports.add(e.localPort()));
        return ports;
    }
}
