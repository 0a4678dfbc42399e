package dev.portlocal.bench.control;

import dev.portlocal.bench.file.MappingFiles;
import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.MappingService;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.model.MappingStatus;
import dev.portlocal.model.PortRange;
import dev.portlocal.model.Protocol;
import dev.portlocal.model.Source;
import dev.portlocal.state.StateStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Lookup of a mapping by node port in a service holding 1,000 mappings (the API's and the metrics' hot path):
 * {@code hit} walks the bound ports in a scrambled order so no branch or cache pattern repeats; {@code miss} asks
 * for the one port of the range that is free.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class MappingServiceBenchmark {

    static final int ENDPOINTS = 1_000;

    private Path stateDir;
    private MappingService service;
    private int[] ports;
    private int freePort;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException, MappingFileException {
        stateDir = Files.createTempDirectory("portlocal-bench-state");
        service = new MappingService(PortRange.DEFAULT, new AlwaysBoundOpener(), new StateStore(stateDir));
        ApplyResult result = service.apply(Source.FILE, new MappingFileParser(PortRange.DEFAULT)
                .parse("mappings.yaml", MappingFiles.yaml(ENDPOINTS, 0)));
        if (!result.ok()) {
            throw new IllegalStateException("apply: " + result + " (expected: ok)");
        }
        ports = service.mappings().stream().mapToInt(status -> status.nodePort().orElseThrow()).toArray();
        if (ports.length != ENDPOINTS) {
            throw new IllegalStateException("mappings: " + ports.length + " (expected: " + ENDPOINTS + ")");
        }
        // Scramble with a fixed stride co-prime to the count, so the order is the same on every run.
        int[] scrambled = new int[ports.length];
        for (int i = 0; i < ports.length; i++) {
            scrambled[i] = ports[(int) ((i * 617L) % ports.length)];
        }
        ports = scrambled;
        freePort = PortRange.DEFAULT.start();
        while (service.byNodePort(freePort, Protocol.TCP).isPresent()) {
            freePort++;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        service.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public Optional<MappingStatus> hit() {
        int port = ports[next];
        next = next + 1 == ports.length ? 0 : next + 1;
        return service.byNodePort(port, Protocol.TCP);
    }

    @Benchmark
    public Optional<MappingStatus> miss() {
        return service.byNodePort(freePort, Protocol.TCP);
    }
}
