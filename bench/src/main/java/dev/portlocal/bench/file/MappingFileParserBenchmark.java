package dev.portlocal.bench.file;

import dev.portlocal.bench.control.AlwaysBoundOpener;
import dev.portlocal.control.ApplyResult;
import dev.portlocal.control.MappingService;
import dev.portlocal.file.MappingFileException;
import dev.portlocal.file.MappingFileParser;
import dev.portlocal.model.Endpoint;
import dev.portlocal.model.PortRange;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Parse and diff of a 1,000-endpoint mapping file, what the daemon does each time the file changes:
 * <ul>
 *   <li>{@code parse}: YAML to validated endpoints;</li>
 *   <li>{@code parseAndApplyUnchanged}: then reconcile against the same desired state (a touch of the file, or a
 *       ConfigMap re-sync): a pure diff, nothing opened and nothing persisted;</li>
 *   <li>{@code parseAndApplyRetargeted}: alternate between two files that differ in 10 endpoint addresses, so each
 *       apply retargets 10 mappings and saves the state file (to a temporary directory).</li>
 * </ul>
 * The range is the default 1,001 ports, so 1,000 endpoints leave it nearly full.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class MappingFileParserBenchmark {

    static final int ENDPOINTS = 1_000;
    static final int RETARGETED = 10;

    private final MappingFileParser parser = new MappingFileParser(PortRange.DEFAULT);
    private byte[] file;
    private byte[] retargetedFile;
    private Path stateDir;
    private MappingService service;
    private boolean flip;

    @Setup(Level.Trial)
    public void setUp() throws IOException, MappingFileException {
        file = MappingFiles.yaml(ENDPOINTS, 0);
        retargetedFile = MappingFiles.yaml(ENDPOINTS, RETARGETED);
        stateDir = Files.createTempDirectory("portlocal-bench-state");
        service = new MappingService(PortRange.DEFAULT, new AlwaysBoundOpener(), new StateStore(stateDir));
        ApplyResult initial = service.apply(Source.FILE, parser.parse("mappings.yaml", file));
        if (!initial.ok() || initial.added().size() != ENDPOINTS) {
            throw new IllegalStateException("initial apply: " + initial + " (expected: " + ENDPOINTS + " added)");
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
    public List<Endpoint> parse() throws MappingFileException {
        return parser.parse("mappings.yaml", file);
    }

    @Benchmark
    public ApplyResult parseAndApplyUnchanged() throws MappingFileException {
        // Apply the base file's desired state again; after a retargeted run, the first call restores it.
        return service.apply(Source.FILE, parser.parse("mappings.yaml", file));
    }

    @Benchmark
    public ApplyResult parseAndApplyRetargeted() throws MappingFileException {
        flip = !flip;
        return service.apply(Source.FILE, parser.parse("mappings.yaml", flip ? retargetedFile : file));
    }
}
