package dev.portlocal.bench.allocator;

import dev.portlocal.allocator.PortAllocator;
import dev.portlocal.model.IpFamily;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Allocation in a nearly full range: the default range of 1,001 ports with all but {@code free} held, so every
 * allocation walks past the held ports from the rotating cursor. Each operation allocates one port and releases it
 * again, keeping the range equally full; {@code free = 0} measures the full scan that finds nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PortAllocatorBenchmark {

    private static final IntPredicate ALWAYS_BINDS = port -> true;

    /** Ports left free in the range. */
    @Param({"0", "1", "10", "100"})
    public int free;

    /** Every other free port refuses to bind (another process holds it), as on a busy node. */
    @Param({"false", "true"})
    public boolean halfInUse;

    private PortAllocator allocator;
    private IntPredicate tryBind;

    @Setup(Level.Trial)
    public void fillRange() {
        PortRange range = PortRange.DEFAULT;
        allocator = new PortAllocator(range);
        int held = range.size() - free;
        for (int i = 0; i < held; i++) {
            // Spread the free ports evenly, so the walk length does not depend on the cursor's luck.
            int port = range.start() + (int) ((long) i * range.size() / held);
            if (!allocator.claim(Protocol.TCP, IpFamily.IPv4, port)) {
                throw new IllegalStateException("claim " + port + " (expected: free)");
            }
        }
        tryBind = halfInUse ? port -> (port & 1) == 0 : ALWAYS_BINDS;
    }

    @Benchmark
    public OptionalInt allocateAndRelease() {
        OptionalInt port = allocator.allocate(Protocol.TCP, IpFamily.IPv4, tryBind);
        if (port.isPresent()) {
            allocator.release(Protocol.TCP, IpFamily.IPv4, port.getAsInt());
        }
        return port;
    }
}
