package dev.portlocal.control;

import dev.portlocal.model.PortRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
