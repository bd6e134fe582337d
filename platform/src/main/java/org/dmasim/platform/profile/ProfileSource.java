package org.dmasim.platform.profile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.platform.dt.InputFiles;

/**
 * Where a profile or a file it names lives: a file on disk, or a resource shipped inside the
 * platform bundle ({@code /profiles/...}). Relative names resolve against the profile's folder.
 * Files are read through {@link InputFiles}: regular files of bounded size only.
 */
public abstract class ProfileSource {
    public abstract String displayName();

    public abstract byte[] read();

    /** A sibling file named relative to this one. */
    public abstract ProfileSource resolve(String relative);

    public abstract Optional<Path> path();

    /** Whether there is anything at this name (a file of any kind, or a shipped resource). */
    public abstract boolean exists();

    public String readText() {
        return new String(read(), java.nio.charset.StandardCharsets.UTF_8);
    }

    public static ProfileSource file(Path p) {
        return new FileSource(p);
    }

    /** A shipped resource, e.g. {@code profiles/qemu-virt-arm64.profile}; empty if absent. */
    public static Optional<ProfileSource> shipped(String resource) {
        URL url = ProfileSource.class.getClassLoader().getResource(resource);
        return url == null ? Optional.empty() : Optional.of(new ResourceSource(resource));
    }

    private static final class FileSource extends ProfileSource {
        private final Path path;

        FileSource(Path path) {
            this.path = path;
        }

        @Override
        public String displayName() {
            return path.toString();
        }

        @Override
        public byte[] read() {
            try {
                return InputFiles.read(path);
            } catch (InputFiles.UnreadableException e) {
                throw new InvalidInputException(e.getMessage());
            }
        }

        @Override
        public ProfileSource resolve(String relative) {
            Path r = Path.of(relative);
            if (r.isAbsolute()) {
                return new FileSource(r);
            }
            Path dir = path.toAbsolutePath().getParent();
            return new FileSource(dir == null ? r : dir.resolve(r));
        }

        @Override
        public Optional<Path> path() {
            return Optional.of(path);
        }

        @Override
        public boolean exists() {
            return Files.exists(path);
        }
    }

    private static final class ResourceSource extends ProfileSource {
        private final String resource;

        ResourceSource(String resource) {
            this.resource = resource;
        }

        @Override
        public String displayName() {
            return resource;
        }

        @Override
        public byte[] read() {
            try (InputStream in = ProfileSource.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new InvalidInputException(resource + ": not shipped with dmasim");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public ProfileSource resolve(String relative) {
            if (Path.of(relative).isAbsolute()) {
                return file(Path.of(relative));
            }
            int slash = resource.lastIndexOf('/');
            String dir = slash < 0 ? "" : resource.substring(0, slash + 1);
            return new ResourceSource(normalize(dir + relative));
        }

        private static String normalize(String p) {
            java.util.Deque<String> parts = new java.util.ArrayDeque<>();
            for (String s : p.split("/")) {
                if (s.equals("..") && !parts.isEmpty()) {
                    parts.removeLast();
                } else if (!s.equals(".") && !s.isEmpty()) {
                    parts.addLast(s);
                }
            }
            return String.join("/", parts);
        }

        @Override
        public Optional<Path> path() {
            return Optional.empty();
        }

        @Override
        public boolean exists() {
            return ProfileSource.class.getClassLoader().getResource(resource) != null;
        }
    }
}
