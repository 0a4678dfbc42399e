package dev.portlocal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control plane must not depend on Netty, so that it stays testable without channels and the data plane stays
 * behind the {@code PortOpener} seam. Comments may mention Netty; code may not.
 */
class NoNettyInControlPlaneModelTest {

    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    private static final List<String> PACKAGES = List.of("model", "allocator", "state", "file", "control",
            "dataplane", "reader");

    @Test
    void controlPlaneSourcesDoNotMentionNetty() throws IOException {
        Path sources = Path.of(System.getProperty("basedir", "."), "src", "main", "java", "dev", "portlocal");
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        for (String name : PACKAGES) {
            Path dir = sources.resolve(name);
            assertTrue(Files.isDirectory(dir), "missing package directory " + dir.toAbsolutePath());
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    scanned++;
                    if (withoutComments(Files.readString(file)).contains("io.netty")) {
                        offenders.add(sources.relativize(file).toString());
                    }
                }
            }
        }
        assertTrue(scanned > 0, "no sources scanned under " + sources.toAbsolutePath());
        assertEquals(List.of(), offenders, "control plane sources that mention io.netty");
    }

    static String withoutComments(String source) {
        return COMMENT.matcher(source).replaceAll(" ");
    }

    @Test
    void commentsAreIgnoredButCodeIsNot() {
        assertEquals(-1, withoutComments("/** no io.netty here */ class A { // nor io.netty\n}").indexOf("io.netty"));
        assertTrue(withoutComments("/** doc */\nimport io.netty.channel.Channel;").contains("io.netty"));
    }
}
