package dev.portlocal.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/cli.md's table of {@code portlocal run} options lists exactly the option table, flag and key alike. */
class CliDocsTest {

    /** A row of the run table: {@code | `--flag ...` ... | `key` | default | meaning |}; {@code \|} escapes a bar. */
    private static final Pattern ROW =
            Pattern.compile("^\\| `(--[a-z-]+)(?:\\\\\\||[^|])*\\|\\s*(?:`([A-Za-z.]+)`)?\\s*\\|");

    @Test
    void theRunTableOfDocsCliListsEveryOptionOnceWithItsFlagAndKey() throws IOException {
        Path doc = Path.of("..", "docs", "cli.md");
        String text = Files.readString(doc);
        int start = text.indexOf("## portlocal run");
        int end = text.indexOf("\n## ", start + 1);
        assertTrue(start >= 0 && end > start, "docs/cli.md has a '## portlocal run' section");
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : text.substring(start, end).split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find() && !m.group(1).equals("--config")) {
                assertEquals(null, documented.put(m.group(1), m.group(2)), "documented twice: " + m.group(1));
            }
        }
        Map<String, String> declared = new LinkedHashMap<>();
        for (Option<?> option : DaemonOptions.ALL) {
            declared.put(option.flag(), option.key());
        }
        assertEquals(new TreeSet<>(declared.keySet()), new TreeSet<>(documented.keySet()),
                "the flags in docs/cli.md's run table and in DaemonOptions.ALL");
        assertEquals(declared, documented, "each flag's config key");
    }
}
