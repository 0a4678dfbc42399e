package dev.portlocal.file;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Reads the mapping file with bounds: it must be a regular file once symlinks are followed (a ConfigMap's
 * {@code ..data} chain is fine), which is checked before it is opened, so a FIFO (which would block the open), a
 * device ({@code /dev/zero} never ends) or a directory is refused and never opened; and it is read up to one byte
 * past the limit, whatever size it claims, so a file that grows while it is read is refused too.
 *
 * <p>What is left: a file swapped for a FIFO between the check and the open would still be opened (Java cannot
 * open with {@code O_NONBLOCK} or {@code fstat} an open file). Whoever can do that can write the file anyway.
 *
 * <p>Stateless and thread-safe.
 */
public final class MappingFileInput {

    /** The default limit of {@code maxMappingFileBytes}: 16 MiB. */
    public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

    private static final int S_IFMT = 0170000;

    private MappingFileInput() {
    }

    /**
     * The content of {@code file}, at most {@code maxBytes} long. Errors name the file by its file name.
     *
     * @throws MappingFileException if it is missing, not a regular file, larger than {@code maxBytes}, or unreadable
     */
    public static byte[] read(Path file, long maxBytes) throws MappingFileException {
        String name = String.valueOf(file.getFileName());
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw error(name + ": missing (no such file: " + file + ")");
        } catch (FileSystemLoopException e) {
            throw error(name + ": a symlink loop (expected: a regular file, or a symlink to one)");
        } catch (IOException e) {
            throw error(name + ": cannot read " + file + " (" + e + ")");
        }
        if (!attributes.isRegularFile()) {
            throw error(name + ": " + kind(file, attributes) + ", not a regular file (expected: a regular file, or a "
                    + "symlink to one; a FIFO, device or directory is never opened)");
        }
        if (attributes.size() > maxBytes) {
            throw tooLarge(name, attributes.size() + " bytes", maxBytes);
        }
        byte[] content;
        try (InputStream in = Files.newInputStream(file)) {
            content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        } catch (NoSuchFileException e) {
            throw error(name + ": missing (no such file: " + file + ")");
        } catch (AccessDeniedException e) {
            throw error(name + ": cannot read " + file + " (permission denied)");
        } catch (IOException e) {
            throw error(name + ": cannot read " + file + " (" + e + ")");
        }
        if (content.length > maxBytes) {
            throw tooLarge(name, "more than " + maxBytes + " bytes", maxBytes);
        }
        return content;
    }

    static MappingFileException tooLarge(String name, String size, long maxBytes) {
        return error(name + ": " + size + " (expected: at most " + maxBytes + " bytes, maxMappingFileBytes)");
    }

    /** What the path leads to, in words: {@code a FIFO}, {@code a directory}, {@code a character device}. */
    private static String kind(Path file, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            switch (mode & S_IFMT) {
                case 0010000:
                    return "a FIFO";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                case 0140000:
                    return "a socket";
                default:
                    break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no unix view: say what the basic view can
        }
        return "a special file";
    }

    private static MappingFileException error(String message) {
        return new MappingFileException(List.of(message));
    }
}
