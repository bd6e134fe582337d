package org.dmasim.platform.dt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves {@code /include/} against the file system: first relative to the including file's
 * directory, then in each search directory in order (like dtc's {@code -i DIR}). Source names
 * are file paths, so the top-level source name must be the including file's path. Files are
 * read through {@link InputFiles}: regular files of bounded size only.
 */
public final class FileSystemIncludeResolver implements IncludeResolver {
    private final List<Path> searchDirs;

    public FileSystemIncludeResolver(List<Path> searchDirs) {
        this.searchDirs = List.copyOf(searchDirs);
    }

    public FileSystemIncludeResolver() {
        this(List.of());
    }

    @Override
    public Optional<DtsSource> resolve(String includingSource, String path) throws IOException {
        List<Path> candidates = new ArrayList<>();
        try {
            Path parent = Path.of(includingSource).getParent();
            candidates.add(parent == null ? Path.of(path) : parent.resolve(path));
            for (Path dir : searchDirs) {
                candidates.add(dir.resolve(path));
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        for (Path candidate : candidates) {
            if (Files.exists(candidate)) {
                // The first that exists is the one dtc would open; a device or directory there is
                // refused by InputFiles rather than skipped, so the message says what is wrong.
                String text = InputFiles.readText(candidate);
                return Optional.of(new DtsSource(candidate.normalize().toString(), text));
            }
        }
        return Optional.empty();
    }
}
