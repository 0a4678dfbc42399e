package dev.portlocal.allocator;

import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;

import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.IntPredicate;

import static java.util.Objects.requireNonNull;

/**
 * Hands out node ports from a {@link PortRange}, with a separate port space per (protocol, IP family) as in
 * NodePortLocal. Each space has a rotating cursor that wraps, so a port just released is handed out again only
 * after the rest of the range has been tried.
 *
 * <p>A port is <em>held</em> once a mapping has it, and <em>reserved</em> while a desired mapping pins it but does
 * not hold it yet; {@link #allocate} never hands out either.
 *
 * <p>Not thread-safe: callers confine it to one thread or lock.
 */
public final class PortAllocator {

    private final PortRange range;
    private final Map<Protocol, Map<IpFamily, PortSpace>> spaces = new EnumMap<>(Protocol.class);

    public PortAllocator(PortRange range) {
        this.range = requireNonNull(range, "range");
        for (Protocol protocol : Protocol.values()) {
            Map<IpFamily, PortSpace> byFamily = new EnumMap<>(IpFamily.class);
            for (IpFamily family : IpFamily.values()) {
                byFamily.put(family, new PortSpace());
            }
            spaces.put(protocol, byFamily);
        }
    }

    public PortRange range() {
        return range;
    }

    /**
     * Walks the whole range once, from the space's cursor, over ports neither held nor reserved, and calls
     * {@code tryBind} on each. The first port it accepts becomes held and is returned, and the cursor moves past
     * it. A port it refuses (another process has it) is skipped and stays free.
     *
     * @return the held port, or empty when no port in the range could be bound
     */
    public OptionalInt allocate(Protocol protocol, IpFamily family, IntPredicate tryBind) {
        requireNonNull(tryBind, "tryBind");
        PortSpace space = space(protocol, family);
        int size = range.size();
        for (int i = 0; i < size; i++) {
            int offset = (space.cursor + i) % size;
            if (space.held.get(offset) || space.reserved.get(offset)) {
                continue;
            }
            int port = range.start() + offset;
            if (tryBind.test(port)) {
                space.held.set(offset);
                space.cursor = (offset + 1) % size;
                return OptionalInt.of(port);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Marks a specific port held, for pinned ports and ports restored from the state file. Reservations do not
     * stop a claim: the pinned mapping that reserved the port is the one expected to claim it.
     *
     * @return false if the port is already held in that space
     * @throws IllegalArgumentException if the port is outside the range
     */
    public boolean claim(Protocol protocol, IpFamily family, int port) {
        PortSpace space = space(protocol, family);
        int offset = offset(port);
        if (space.held.get(offset)) {
            return false;
        }
        space.held.set(offset);
        return true;
    }

    /** Frees a held port. Idempotent; ports outside the range are ignored. */
    public void release(Protocol protocol, IpFamily family, int port) {
        if (range.contains(port)) {
            space(protocol, family).held.clear(offset(port));
        }
    }

    public boolean isHeld(Protocol protocol, IpFamily family, int port) {
        return range.contains(port) && space(protocol, family).held.get(offset(port));
    }

    /**
     * Keeps a port away from {@link #allocate} until {@link #unreserve}, whether or not it is held. Used for ports
     * pinned by desired mappings that are not open yet.
     *
     * @throws IllegalArgumentException if the port is outside the range
     */
    public void reserve(Protocol protocol, IpFamily family, int port) {
        space(protocol, family).reserved.set(offset(port));
    }

    /** Lifts a reservation. Idempotent; ports outside the range are ignored. */
    public void unreserve(Protocol protocol, IpFamily family, int port) {
        if (range.contains(port)) {
            space(protocol, family).reserved.clear(offset(port));
        }
    }

    public boolean isReserved(Protocol protocol, IpFamily family, int port) {
        return range.contains(port) && space(protocol, family).reserved.get(offset(port));
    }

    /** How many ports of the space are neither held nor reserved. */
    public int free(Protocol protocol, IpFamily family) {
        return free(protocol, family, new BitSet());
    }

    /**
     * How many ports of the space are neither held, nor reserved, nor set in {@code alsoTaken} (bit i standing for
     * port {@code range.start() + i}, as for ports other processes hold). A port in more than one counts once.
     */
    public int free(Protocol protocol, IpFamily family, BitSet alsoTaken) {
        PortSpace space = space(protocol, family);
        BitSet taken = (BitSet) requireNonNull(alsoTaken, "alsoTaken").clone();
        taken.clear(range.size(), Math.max(range.size(), taken.length()));
        taken.or(space.held);
        taken.or(space.reserved);
        return range.size() - taken.cardinality();
    }

    private PortSpace space(Protocol protocol, IpFamily family) {
        requireNonNull(protocol, "protocol");
        requireNonNull(family, "family");
        return spaces.get(protocol).get(family);
    }

    private int offset(int port) {
        if (!range.contains(port)) {
            throw new IllegalArgumentException("nodePort: " + port + " (expected: inside port range " + range + ")");
        }
        return port - range.start();
    }

    /** Bit i stands for port {@code range.start() + i}. */
    private static final class PortSpace {
        final BitSet held = new BitSet();
        final BitSet reserved = new BitSet();
        int cursor;
    }
}
