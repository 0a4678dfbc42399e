package dev.portlocal.control;

import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * The local ports that sockets of this network namespace have bound, per protocol and family, as the kernel lists
 * them in {@code /proc/net/tcp}, {@code tcp6}, {@code udp} and {@code udp6}: what keeps a node port from being
 * bound, whoever holds it. TCP sockets in {@code TIME_WAIT} are left out (a listener with {@code SO_REUSEADDR}
 * binds over them); every other TCP state counts, including connections whose local port the kernel chose. An
 * IPv6 socket bound to an IPv4-mapped address counts as IPv4. An IPv6 wildcard socket that also accepts IPv4 shows
 * only as IPv6: the tables do not say whether it is {@code IPV6_V6ONLY}.
 *
 * <p>For counts shown to people (the {@code portlocal_ports_free} gauge, {@code /v1/info}), not for decisions:
 * binding is the only exact test. A read covers every socket of the namespace, so snapshots are kept for
 * {@code maxAge} and reads happen only when asked, never on a connection's path. Where the tables cannot be read
 * (not Linux, no procfs) nothing is bound.
 *
 * <p>Thread-safe: callers on any thread share one snapshot; a refresh happens under this object's lock, which
 * no other lock is held inside.
 */
public final class HostPorts {

    public static final Path PROC_NET = Path.of("/proc/net");
    static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(2);
    private static final String TIME_WAIT = "06";
    /** An IPv4-mapped IPv6 address as the tables write it: three 32-bit words in host order, then the IPv4 word. */
    private static final String V4_MAPPED_PREFIX = "0000000000000000FFFF0000";

    private static final HostPorts NONE = new HostPorts(null, Duration.ZERO, () -> 0);

    private final Path dir;
    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private Snapshot snapshot;

    /** Reads the tables in {@code dir} (laid out like {@code /proc/net}) at most once per {@code maxAge}. */
    public HostPorts(Path dir, Duration maxAge, LongSupplier nanoClock) {
        this.dir = dir;
        this.maxAgeNanos = requireNonNull(maxAge, "maxAge").toNanos();
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    }

    /** The host's tables, read at most every 2 seconds. */
    public static HostPorts proc() {
        return new HostPorts(PROC_NET, DEFAULT_MAX_AGE, System::nanoTime);
    }

    /** Sees no socket: for tests whose port counts must not depend on what else runs on the host. */
    public static HostPorts none() {
        return NONE;
    }

    /** The ports of {@code range} bound in the space of {@code protocol} and {@code family}: bit i is port start+i. */
    public BitSet bound(Protocol protocol, IpFamily family, PortRange range) {
        requireNonNull(range, "range");
        BitSet all = current().ports.get(requireNonNull(protocol, "protocol")).get(requireNonNull(family, "family"));
        return all.get(range.start(), range.end() + 1);
    }

    private synchronized Snapshot current() {
        long now = nanoClock.getAsLong();
        if (snapshot == null || (dir != null && now - snapshot.readAt >= maxAgeNanos)) {
            snapshot = read(now);
        }
        return snapshot;
    }

    private Snapshot read(long now) {
        Map<Protocol, Map<IpFamily, BitSet>> ports = new EnumMap<>(Protocol.class);
        for (Protocol protocol : Protocol.values()) {
            Map<IpFamily, BitSet> byFamily = new EnumMap<>(IpFamily.class);
            for (IpFamily family : IpFamily.values()) {
                byFamily.put(family, new BitSet(65536));
            }
            ports.put(protocol, byFamily);
        }
        if (dir != null) {
            for (Protocol protocol : Protocol.values()) {
                readTable(dir.resolve(protocol.wireName()), protocol, ports.get(protocol));
                readTable(dir.resolve(protocol.wireName() + "6"), protocol, ports.get(protocol));
            }
        }
        return new Snapshot(now, ports);
    }

    /** Adds the local ports listed in {@code file} to {@code byFamily}; a missing or unreadable file adds none. */
    private static void readTable(Path file, Protocol protocol, Map<IpFamily, BitSet> byFamily) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.US_ASCII))) {
            in.readLine(); // the header
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                addLine(line, protocol, byFamily);
            }
        } catch (IOException | SecurityException e) {
            // nothing from this table: where it cannot be read there is nothing to count
        }
    }

    /** {@code "  0: 0100007F:1F90 00000000:0000 0A ..."}: slot, local address:port, remote, state. */
    static void addLine(String line, Protocol protocol, Map<IpFamily, BitSet> byFamily) {
        String[] fields = line.trim().split("\\s+", 5);
        if (fields.length < 4) {
            return;
        }
        String local = fields[1];
        int colon = local.indexOf(':');
        if (colon < 0 || (protocol == Protocol.TCP && fields[3].equals(TIME_WAIT))) {
            return;
        }
        int port;
        try {
            port = Integer.parseInt(local.substring(colon + 1), 16);
        } catch (NumberFormatException e) {
            return;
        }
        if (port < 1 || port > 65535) {
            return;
        }
        IpFamily family = colon == 8 || (colon == 32 && local.startsWith(V4_MAPPED_PREFIX)) ? IpFamily.IPv4
                : IpFamily.IPv6;
        byFamily.get(family).set(port);
    }

    private record Snapshot(long readAt, Map<Protocol, Map<IpFamily, BitSet>> ports) {
    }
}
