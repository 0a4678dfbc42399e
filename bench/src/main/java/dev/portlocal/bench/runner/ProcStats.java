package dev.portlocal.bench.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * CPU time and resident memory of a process and its descendants, from {@code /proc}: utime+stime of
 * {@code /proc/PID/stat} and VmRSS of {@code /proc/PID/status}. A process tree is summed so nginx's master and worker
 * count together, and so the {@code timeout} wrapper around each child costs nothing noticeable.
 */
public final class ProcStats {

    private final long nanosPerTick;

    /** @param clockTicksPerSecond {@code getconf CLK_TCK}, 100 on Linux */
    public ProcStats(long clockTicksPerSecond) {
        if (clockTicksPerSecond <= 0) {
            throw new IllegalArgumentException("clockTicksPerSecond: " + clockTicksPerSecond + " (expected: > 0)");
        }
        this.nanosPerTick = 1_000_000_000L / clockTicksPerSecond;
    }

    /** utime+stime in clock ticks, from one line of {@code /proc/PID/stat}. */
    static long cpuTicks(String statLine) {
        // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("stat: " + statLine + " (expected: pid (comm) state ...)");
        }
        String[] fields = statLine.substring(close + 2).trim().split(" ");
        if (fields.length < 13) {
            throw new IllegalArgumentException("stat: " + statLine + " (expected: at least 15 fields)");
        }
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * Busy clock ticks of the whole machine from the {@code cpu} line of {@code /proc/stat}: user, nice, system, irq,
     * softirq and steal (guest time is already inside user); idle and iowait are not busy.
     */
    static long machineBusyTicks(String procStat) {
        for (String line : procStat.split("\n")) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 9) {
                    throw new IllegalArgumentException("/proc/stat: " + line
                            + " (expected: cpu user nice system idle iowait irq softirq steal ...)");
                }
                long busy = 0;
                for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                    busy += Long.parseLong(f[i]);
                }
                return busy;
            }
        }
        throw new IllegalArgumentException("/proc/stat: no cpu line (expected: cpu user nice system ...)");
    }

    /**
     * The machine's busy CPU nanoseconds so far, all CPUs, from /proc/stat; -1 if it cannot be read. Counts kernel
     * work no process is charged with, such as forwarding and NAT in softirq, which is why the netns run uses it.
     */
    public long machineCpuNanos() {
        return read(Path.of("/proc/stat")).map(s -> machineBusyTicks(s) * nanosPerTick).orElse(-1L);
    }

    /** VmRSS in KiB from the text of {@code /proc/PID/status}; empty for a kernel thread or a zombie. */
    static OptionalLong vmRssKiB(String status) {
        return field(status, "VmRSS:");
    }

    /** The {@code Pss:} line in KiB from the text of {@code /proc/PID/smaps_rollup}; empty when absent. */
    static OptionalLong pssKiB(String smapsRollup) {
        return field(smapsRollup, "Pss:");
    }

    /** The {@code Threads:} count from the text of {@code /proc/PID/status}; empty when absent. */
    static OptionalLong threads(String status) {
        return field(status, "Threads:");
    }

    /** The number after {@code name} on its line of a /proc text ({@code Name:   1234 kB}); empty when absent. */
    private static OptionalLong field(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name)) {
                String value = line.substring(name.length()).trim();
                int space = value.indexOf(' ');
                return OptionalLong.of(Long.parseLong(space < 0 ? value : value.substring(0, space)));
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The sum of {@code parse} over {@code /proc/P/file} of {@code pid} and its live descendants, or -1 if no process
     * of the tree had the figure (gone, a kernel thread, or a kernel without the file).
     */
    private static long sumOverTree(long pid, String file, Function<String, OptionalLong> parse) {
        long sum = 0;
        boolean any = false;
        for (long p : tree(pid)) {
            Optional<String> text = read(Path.of("/proc", Long.toString(p), file));
            if (text.isPresent()) {
                OptionalLong value = parse.apply(text.get());
                if (value.isPresent()) {
                    sum += value.getAsLong();
                    any = true;
                }
            }
        }
        return any ? sum : -1;
    }

    /**
     * Proportional set size in KiB of {@code pid} and its live descendants, or -1 if {@code pid} is gone or the
     * kernel has no {@code smaps_rollup} (before 4.14). Shared pages count once across the processes that map them,
     * so a multi-process proxy is not charged twice for its shared code.
     */
    public long pssKiB(long pid) {
        return sumOverTree(pid, "smaps_rollup", ProcStats::pssKiB);
    }

    /** Threads of {@code pid} and its live descendants, or -1 if {@code pid} is gone. */
    public long threads(long pid) {
        return sumOverTree(pid, "status", ProcStats::threads);
    }

    /**
     * How many distinct TCP ports in {@code [from, to]} are in LISTEN state on {@code host} (or on the wildcard
     * address) in the network namespaces of {@code pid} and its live descendants, each namespace asked once, or -1
     * if {@code pid} is gone. The tree matters: a child runs as {@code timeout ... ip netns exec NS proxy}, so the
     * PID the runner holds is the {@code timeout} wrapper, still in the runner's namespace, while the proxy listens
     * in {@code NS}. The address matters too: the wrapper's namespace is another one's, whose listeners on other
     * addresses are not the proxy's. Disturbs no target, unlike a connect to each port.
     *
     * <p>Asks the kernel with {@code ss -Htln} (sock_diag: the kernel walks its listening sockets only, about 25 ms
     * with the fork), entering another namespace with {@code nsenter --net}; without {@code ss}, reads
     * {@code /proc/P/net/tcp} and {@code tcp6}, which hold every socket of the namespace: 8.6 MB and 70-370 ms a
     * read with the 57,000 TIME_WAIT sockets a connection-per-request run leaves on loopback.
     */
    public int listeningPorts(long pid, String host, int from, int to) {
        String hex = ipv4Hex(host);
        BitSet ports = new BitSet();
        Set<String> seen = new HashSet<>();
        String own = netns(ProcessHandle.current().pid());
        boolean any = false;
        for (long p : tree(pid)) {
            String ns = netns(p);
            if (ns == null || !seen.add(ns)) {
                continue;
            }
            if (SS) {
                List<String> cmd = new ArrayList<>();
                if (!ns.equals(own)) {
                    cmd.addAll(List.of("nsenter", "--net=/proc/" + p + "/ns/net"));
                }
                cmd.addAll(List.of("ss", "-Htln", "sport >= :" + from + " and sport <= :" + to));
                try {
                    String out = Commands.run(cmd, Duration.ofSeconds(10));
                    any = true;
                    listeningSs(out, host, from, to, ports);
                    continue;
                } catch (IOException e) {
                    // ss or nsenter failed (the process left, or no permission): the tables below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            for (String table : List.of("tcp", "tcp6")) {
                Optional<String> text = read(Path.of("/proc", Long.toString(p), "net", table));
                if (text.isPresent()) {
                    any = true;
                    listening(text.get(), hex, from, to, ports);
                }
            }
        }
        return any ? ports.cardinality() : -1;
    }

    private static final boolean SS = Commands.onPath("ss") && Commands.onPath("nsenter");

    /**
     * Sets in {@code ports} each local port in {@code [from, to]} of a line of {@code ss -Htln} ({@code LISTEN 0
     * 4096 127.0.0.1:63000 0.0.0.0:*}) whose local address is {@code host}, a wildcard ({@code 0.0.0.0},
     * {@code [::]}, {@code *}) or {@code host} as an IPv4-mapped IPv6 address.
     */
    static void listeningSs(String output, String host, int from, int to, BitSet ports) {
        for (String line : output.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5 || !f[0].equals("LISTEN")) {
                continue;
            }
            int colon = f[3].lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            String addr = f[3].substring(0, colon);
            int percent = addr.indexOf('%'); // 0.0.0.0%lo: bound to a device
            if (percent >= 0) {
                addr = addr.substring(0, percent);
            }
            if (addr.equals(host) || addr.equals("0.0.0.0") || addr.equals("[::]") || addr.equals("*")
                    || addr.equals("[::ffff:" + host + "]")) {
                int port = Integer.parseInt(f[3].substring(colon + 1));
                if (port >= from && port <= to) {
                    ports.set(port);
                }
            }
        }
    }

    /** The network namespace of {@code pid} ({@code net:[4026531840]}), or null if it is gone. */
    private static String netns(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** An IPv4 address as /proc/net/tcp writes it: {@code 127.0.0.1} is {@code 0100007F} (little-endian hex). */
    static String ipv4Hex(String host) {
        String[] parts = host.split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException("host: " + host + " (expected: an IPv4 address)");
        }
        StringBuilder sb = new StringBuilder(8);
        for (int i = 3; i >= 0; i--) {
            int octet = Integer.parseInt(parts[i]);
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("host: " + host + " (expected: an IPv4 address)");
            }
            sb.append(String.format(Locale.ROOT, "%02X", octet));
        }
        return sb.toString();
    }

    private static final String ANY_V4 = "00000000";
    private static final String ANY_V6 = "00000000000000000000000000000000";

    /**
     * Sets in {@code ports} each local port in {@code [from, to]} of a LISTEN row of a /proc/net/tcp or tcp6 table
     * whose local address is {@code hostHex}, the IPv4 wildcard, the IPv6 wildcard (dual-stack) or
     * {@code hostHex} as an IPv4-mapped IPv6 address. Parses by position, without a regular expression per line:
     * the table can hold tens of thousands of TIME_WAIT rows after a run, and the probe reads it every few ms.
     */
    static void listening(String table, String hostHex, int from, int to, BitSet ports) {
        String mapped = "0000000000000000FFFF0000" + hostHex;
        int pos = table.indexOf('\n') + 1; // the header
        while (pos > 0 && pos < table.length()) {
            int end = table.indexOf('\n', pos);
            if (end < 0) {
                end = table.length();
            }
            // "  sl: local_address rem_address st ..."
            int colon = table.indexOf(": ", pos);
            if (colon > 0 && colon < end) {
                int local = colon + 2;
                int localEnd = table.indexOf(' ', local);
                int remEnd = localEnd < 0 ? -1 : table.indexOf(' ', localEnd + 1);
                if (remEnd > 0 && remEnd + 3 <= end && table.startsWith("0A", remEnd + 1)) {
                    int portColon = table.lastIndexOf(':', localEnd);
                    String addr = table.substring(local, portColon);
                    if (addr.equals(hostHex) || addr.equals(ANY_V4) || addr.equals(ANY_V6) || addr.equals(mapped)) {
                        int port = Integer.parseInt(table, portColon + 1, localEnd, 16);
                        if (port >= from && port <= to) {
                            ports.set(port);
                        }
                    }
                }
            }
            pos = end + 1;
        }
    }

    /** CPU nanoseconds (user+system) of {@code pid} and its live descendants, or -1 if {@code pid} is gone. */
    public long cpuNanos(long pid) {
        long ticks = 0;
        boolean any = false;
        for (long p : tree(pid)) {
            Optional<String> stat = read(Path.of("/proc", Long.toString(p), "stat"));
            if (stat.isPresent()) {
                ticks += cpuTicks(stat.get().trim());
                any = true;
            }
        }
        return any ? ticks * nanosPerTick : -1;
    }

    /** Resident KiB of {@code pid} and its live descendants, or -1 if {@code pid} is gone. */
    public long rssKiB(long pid) {
        return sumOverTree(pid, "status", ProcStats::vmRssKiB);
    }

    /**
     * The process a child's figures are about: the runner starts every child as {@code timeout ... program} (see
     * {@link ChildProcess}), so when {@code pid} is that wrapper, its one child (the program, which
     * {@code ip netns exec} became); else {@code pid} itself. The wrapper's own megabyte and thread are the
     * harness's, not the proxy's.
     */
    public long withoutWrapper(long pid) {
        Optional<String> comm = read(Path.of("/proc", Long.toString(pid), "comm"));
        if (comm.isEmpty() || !comm.get().trim().equals("timeout")) {
            return pid;
        }
        List<ProcessHandle> children = ProcessHandle.of(pid).map(p -> p.children().toList()).orElse(List.of());
        return children.size() == 1 ? children.get(0).pid() : pid;
    }

    /** The first process in the tree whose command name is {@code java}, for {@code jcmd}. */
    public OptionalLong findJava(long pid) {
        for (long p : tree(pid)) {
            Optional<String> comm = read(Path.of("/proc", Long.toString(p), "comm"));
            if (comm.isPresent() && comm.get().trim().equals("java")) {
                return OptionalLong.of(p);
            }
        }
        return OptionalLong.empty();
    }

    static List<Long> tree(long pid) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(root -> {
            pids.add(root.pid());
            root.descendants().forEach(d -> pids.add(d.pid()));
        });
        return pids;
    }

    private static Optional<String> read(Path path) {
        try {
            return Optional.of(Files.readString(path));
        } catch (IOException e) {
            return Optional.empty(); // The process exited meanwhile.
        }
    }
}
