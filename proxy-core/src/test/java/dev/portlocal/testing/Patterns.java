package dev.portlocal.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * Deterministic byte streams and their SHA-256, so both ends of a transfer can check every byte without keeping
 * them. Each 1 MiB block is the same random block rotated by a different amount, so a lost, duplicated or
 * reordered block changes the digest.
 */
public final class Patterns {

    private static final int BLOCK = 1 << 20;

    private Patterns() {
    }

    public static byte[] block(long seed) {
        byte[] b = new byte[BLOCK];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code size} bytes of the pattern {@code seed}; returns their SHA-256. */
    public static byte[] send(OutputStream out, long seed, long size) throws IOException {
        byte[] base = block(seed);
        byte[] chunk = new byte[BLOCK];
        MessageDigest md = sha256();
        long sent = 0;
        for (long i = 0; sent < size; i++) {
            int rot = (int) ((i * 4099) % BLOCK);
            System.arraycopy(base, rot, chunk, 0, BLOCK - rot);
            System.arraycopy(base, 0, chunk, BLOCK - rot, rot);
            int n = (int) Math.min(BLOCK, size - sent);
            out.write(chunk, 0, n);
            md.update(chunk, 0, n);
            sent += n;
        }
        out.flush();
        return md.digest();
    }

    /** The SHA-256 {@link #send} would return, computed without sending. */
    public static byte[] expected(long seed, long size) {
        try {
            return send(OutputStream.nullOutputStream(), seed, size);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Reads to end of stream; returns the byte count and digest. */
    public static Received receive(InputStream in) throws IOException {
        return receive(in, 0, 0);
    }

    /**
     * Reads to end of stream, pausing {@code pauseMillis} after each read during the first {@code slowBytes} bytes,
     * like a slow client.
     */
    public static Received receive(InputStream in, long slowBytes, long pauseMillis) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            md.update(buf, 0, n);
            total += n;
            if (total < slowBytes && pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        return new Received(total, md.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** What a reader saw. */
    public record Received(long bytes, byte[] digest) {
    }
}
