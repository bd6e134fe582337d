package org.dmasim.platform.dt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the files a user points dmasim at (profiles, device trees and the files they
 * {@code /include/}, e820 maps). Only regular files are read, and at most {@link #MAX_BYTES}
 * of each: a device such as {@code /dev/zero}, a FIFO or a directory would otherwise block or
 * fill the heap, and no real input comes near the cap (the largest device-tree sources of the
 * kernel tree are a few hundred KiB; arm64 itself refuses a blob above 2 MiB).
 */
public final class InputFiles {
    /** The most dmasim reads from one input file, and from one DTS with all its includes. */
    public static final long MAX_BYTES = 16L << 20;

    /** Why a file could not be read; the message names the file and the rule, nothing else. */
    public static final class UnreadableException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnreadableException(String message) {
            super(message);
        }
    }

    private InputFiles() {
    }

    /**
     * The whole file, if it is a regular file of at most {@link #MAX_BYTES}.
     *
     * @throws UnreadableException naming the file: missing, not a regular file, too large, or
     *     unreadable
     */
    public static byte[] read(Path file) throws UnreadableException {
        if (!Files.exists(file)) {
            throw new UnreadableException(file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new UnreadableException(file + ": is a directory, not a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UnreadableException(file + ": not a regular file (a device, FIFO or socket is never read as"
                + " input: it may never end)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            // Bounded even when the size the file system reports is wrong (/proc files say 0).
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw tooLarge(file.toString());
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new UnreadableException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UnreadableException(file + ": permission denied");
        } catch (UnreadableException e) {
            throw e;
        } catch (IOException e) {
            throw new UnreadableException(file + ": cannot read (" + (e.getMessage() == null ? "I/O error" : e.getMessage())
                + ")");
        }
    }

    /** {@link #read} decoded as UTF-8 (malformed bytes become U+FFFD, as for any text input). */
    public static String readText(Path file) throws UnreadableException {
        return new String(read(file), StandardCharsets.UTF_8);
    }

    static UnreadableException tooLarge(String name) {
        return new UnreadableException(name + ": larger than " + (MAX_BYTES >> 20)
            + " MiB, the most dmasim reads from one input file");
    }
}
