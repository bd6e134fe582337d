package org.dmasim.platform.dt;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the text of a file named by {@code /include/ "path"}. The path is as written in the
 * including file and, as with dtc, relative to that file's directory.
 */
@FunctionalInterface
public interface IncludeResolver {

    /**
     * @param includingSource the {@link DtsSource#name()} of the file holding the directive
     * @param path            the quoted path from the directive
     * @return the included source, or empty when no such file exists
     * @throws IOException when the file exists but cannot be read
     */
    Optional<DtsSource> resolve(String includingSource, String path) throws IOException;

    /** For text with no includes: every /include/ is reported as not found. */
    static IncludeResolver none() {
        return (from, path) -> Optional.empty();
    }

    /**
     * Resolves against an in-memory map from source name to text; a path is looked up first
     * relative to the including source's directory, then as given. Handy for tests and for
     * profiles bundled as resources.
     */
    static IncludeResolver inMemory(Map<String, String> files) {
        return (from, path) -> {
            int slash = from.lastIndexOf('/');
            String relative = slash < 0 || path.startsWith("/") ? path : from.substring(0, slash + 1) + path;
            for (String candidate : new String[] {normalize(relative), normalize(path)}) {
                String text = files.get(candidate);
                if (text != null) {
                    return Optional.of(new DtsSource(candidate, text));
                }
            }
            return Optional.empty();
        };
    }

    /** Removes "." and "dir/.." segments of a '/'-separated name. */
    private static String normalize(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/", -1)) {
            if (part.equals(".")) {
                continue;
            }
            if (part.equals("..") && !parts.isEmpty() && !parts.peekLast().equals("..")
                && !parts.peekLast().isEmpty()) {
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return String.join("/", parts);
    }
}
