package dev.portlocal.control;

import dev.portlocal.model.PortRange;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelPortRangeTest {

    @Test
    void parsesTheProcFormat() {
        assertEquals(Optional.of(new PortRange(32768, 60999)), KernelPortRange.parse("32768\t60999\n"));
        assertEquals(Optional.of(new PortRange(1024, 65535)), KernelPortRange.parse("  1024   65535 "));
    }

    @Test
    void malformedContentIsEmpty() {
        assertEquals(Optional.empty(), KernelPortRange.parse(""));
        assertEquals(Optional.empty(), KernelPortRange.parse("32768"));
        assertEquals(Optional.empty(), KernelPortRange.parse("a b"));
        assertEquals(Optional.empty(), KernelPortRange.parse("60999 32768"));
        assertEquals(Optional.empty(), KernelPortRange.parse("1 2 3"));
    }

    @Test
    void readsAFileAndToleratesAMissingOne(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("ip_local_port_range"), "40000\t41000\n");
        assertEquals(Optional.of(new PortRange(40000, 41000)), KernelPortRange.read(file));
        assertEquals(Optional.empty(), KernelPortRange.read(dir.resolve("absent")));
    }

    /** procfs reports a size of 0 (or 4096) for its files: the whole content must be read, not that many bytes. */
    @Test
    void readsTheRealProcFileWhole() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(KernelPortRange.PROC_FILE), "no " + KernelPortRange.PROC_FILE);
        String content = streamed(KernelPortRange.PROC_FILE);
        Optional<PortRange> expected = KernelPortRange.parse(content);
        assertTrue(expected.isPresent(), "the kernel writes 'low<TAB>high': " + content);
        assertEquals(expected, KernelPortRange.read());
    }

    @Test
    void readsTheRealReservedPorts() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(KernelPortRange.RESERVED_FILE), "no " + KernelPortRange.RESERVED_FILE);
        assertEquals(KernelPortRange.parseReserved(streamed(KernelPortRange.RESERVED_FILE)),
                KernelPortRange.readReserved());
    }

    private static String streamed(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void parsesReservedPortsAsRanges() {
        assertEquals(List.of(), KernelPortRange.parseReserved("\n"));
        assertEquals(List.of(new PortRange(8080, 8080), new PortRange(61000, 61500)),
                KernelPortRange.parseReserved("8080,61000-61500\n"));
        assertEquals(List.of(new PortRange(8080, 8080)), KernelPortRange.parseReserved("8080,x,9-1\n"),
                "malformed parts are skipped");
    }

    @Test
    void reservedPortsAreNotEphemeral() {
        PortRange ephemeral = new PortRange(32768, 60999);
        assertEquals(0, KernelPortRange.ephemeralPortsIn(PortRange.DEFAULT, ephemeral, List.of()),
                "the default range lies above the default ephemeral range");
        assertEquals(1000, KernelPortRange.ephemeralPortsIn(new PortRange(60000, 62000), ephemeral, List.of()));
        assertEquals(0, KernelPortRange.ephemeralPortsIn(new PortRange(60000, 62000), ephemeral,
                List.of(new PortRange(59000, 61500))), "a range inside the reserved set does not overlap");
        assertEquals(500, KernelPortRange.ephemeralPortsIn(new PortRange(60000, 62000), ephemeral,
                List.of(new PortRange(60000, 60499), new PortRange(60100, 60200))), "overlapping reservations");
    }
}
