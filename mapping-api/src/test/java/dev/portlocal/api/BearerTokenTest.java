package dev.portlocal.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BearerTokenTest {

    @TempDir
    Path dir;

    @Test
    void matchesOnlyTheExactBearerToken() {
        BearerToken token = BearerToken.of("s3cret-token");
        assertTrue(token.matches(Optional.of("Bearer s3cret-token")));
        assertTrue(token.matches(Optional.of("bearer s3cret-token")), "the scheme is case-insensitive");
        assertFalse(token.matches(Optional.of("Bearer s3cret-toke")));
        assertFalse(token.matches(Optional.of("Bearer s3cret-token2")));
        assertFalse(token.matches(Optional.of("Basic s3cret-token")));
        assertFalse(token.matches(Optional.of("s3cret-token")));
        assertFalse(token.matches(Optional.of("Bearer ")));
        assertFalse(token.matches(Optional.empty()));
    }

    @Test
    void readsTheFileWithoutTheTrailingNewlineAndNeverShowsIt() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, "abc123\n");
        BearerToken token = BearerToken.read(file);
        assertTrue(token.matches(Optional.of("Bearer abc123")));
        assertEquals("abc123", BearerToken.readText(file));
        assertFalse(token.toString().contains("abc123"));
    }

    @Test
    void anEmptyMissingOrSpacedTokenFileIsRefusedByName() throws IOException {
        Path empty = dir.resolve("empty");
        Files.writeString(empty, " \n");
        Path spaced = dir.resolve("spaced");
        Files.writeString(spaced, "two words\n");
        for (Path file : new Path[] {empty, spaced, dir.resolve("missing")}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BearerToken.read(file));
            assertTrue(e.getMessage().startsWith("api-token-file: " + file), e.getMessage());
            assertFalse(e.getMessage().contains("two words"), "the message never echoes the token");
        }
    }
}
