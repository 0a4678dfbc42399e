package dev.portlocal.bench.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
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
     * How many distinct TCP ports in {@code [from, to]} are in LISTEN state in the network namespace of {@code pid}
     * ({@code /proc/PID/net/tcp} and {@code tcp6}), or -1 if {@code pid} is gone. Reading the kernel's table
     * disturbs no target, unlike a connect to each port.
     */
    public int listeningPorts(long pid, int from, int to) {
        BitSet ports = new BitSet();
        boolean any = false;
        for (String table : List.of("tcp", "tcp6")) {
            Optional<String> text = read(Path.of("/proc", Long.toString(pid), "net", table));
            if (text.isPresent()) {
                any = true;
                listening(text.get(), from, to, ports);
            }
        }
        return any ? ports.cardinality() : -1;
    }

    /** Sets in {@code ports} each local port in {@code [from, to]} of a LISTEN row of a /proc/net/tcp table. */
    static void listening(String table, int from, int to, BitSet ports) {
        for (String line : table.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st ...; LISTEN is st 0A.
            if (f.length < 4 || !"0A".equals(f[3])) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            int port = Integer.parseInt(f[1].substring(colon + 1), 16);
            if (port >= from && port <= to) {
                ports.set(port);
            }
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
