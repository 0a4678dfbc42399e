package dev.portlocal.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The API token, read from a file. Only SHA-256 digests are kept and compared, with {@link MessageDigest#isEqual},
 * so the comparison takes the same time whatever the candidate, even its length. {@link #toString} never shows it.
 */
public final class BearerToken {

    private static final String SCHEME = "bearer ";

    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token);
    }

    /**
     * Reads the token from {@code file}: its content without surrounding whitespace, so a trailing newline is fine.
     *
     * @throws IllegalArgumentException naming the file if it cannot be read or holds no token
     */
    public static BearerToken read(Path file) {
        return new BearerToken(readText(file));
    }

    /** The token in {@code file}, as the CLI sends it. */
    public static String readText(Path file) {
        requireNonNull(file, "file");
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("api-token-file: " + file + " (cannot read: " + e.getMessage() + ")");
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("api-token-file: " + file + " (expected: a non-empty token)");
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("api-token-file: " + file
                    + " (expected: one token of printable ASCII, no spaces)");
        }
        return token;
    }

    public static BearerToken of(String token) {
        if (requireNonNull(token, "token").isEmpty()) {
            throw new IllegalArgumentException("token: empty (expected: a non-empty token)");
        }
        return new BearerToken(token);
    }

    /** True if {@code authorization} is {@code Bearer <this token>}; constant time in the token's content. */
    public boolean matches(Optional<String> authorization) {
        String header = authorization.orElse("");
        String candidate = header.length() > SCHEME.length()
                && header.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)
                ? header.substring(SCHEME.length()).strip() : "";
        return MessageDigest.isEqual(digest, sha256(candidate));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
