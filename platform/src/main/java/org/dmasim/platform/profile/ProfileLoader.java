package org.dmasim.platform.profile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.platform.InvalidInputException;

/**
 * Reads the profile format: one {@code key = value} per line, {@code #} comments, blank lines;
 * {@code inherit = NAME|FILE} takes every setting of another profile first (cycles are an
 * error); {@code kconfig.KEY = VALUE} lines accumulate. Unknown keys are errors that name the
 * file, the line and the known keys. A profile that inherits nothing inherits the shipped
 * {@value #BASE} profile, the one place for what every platform shares (its {@code backends}).
 */
public final class ProfileLoader {
    /** Shipped profiles live here inside the platform bundle. */
    public static final String SHIPPED_DIR = "profiles/";
    /** The root profile every inheritance chain ends in. */
    public static final String BASE = "base";
    static final Set<String> KEYS = Set.of("name", "description", "inherit", "arch", "dtb", "e820", "mem",
        "cmdline", "cpus", "kernel", "kernel.base", "dtb.base", "dtb.size", "cache.evict", "backends");

    private ProfileLoader() {
    }

    /** A shipped profile name ({@code qemu-virt-arm64}) or a path to a profile file. */
    public static Profile load(String nameOrPath) {
        return load(locate(nameOrPath, null), new ArrayList<>());
    }

    static ProfileSource locate(String nameOrPath, ProfileSource from) {
        if (!nameOrPath.contains("/") && !nameOrPath.endsWith(".profile")) {
            Optional<ProfileSource> shipped = ProfileSource.shipped(SHIPPED_DIR + nameOrPath + ".profile");
            if (shipped.isPresent()) {
                return shipped.get();
            }
            if (from == null && !Files.exists(Path.of(nameOrPath))) {
                throw new InvalidInputException("profile '" + nameOrPath + "': no shipped profile of that name and no"
                    + " such file (shipped: " + String.join(", ", shippedNames()) + ")");
            }
        }
        return from == null ? ProfileSource.file(Path.of(nameOrPath)) : from.resolve(nameOrPath);
    }

    public static List<String> shippedNames() {
        return List.of("qemu-virt-arm64", "pc-x86_64", "arm64-split-4g", "server-x86_64-1t", "arm64-board");
    }

    private static Profile load(ProfileSource src, List<String> chain) {
        if (chain.contains(src.displayName())) {
            throw new InvalidInputException("profile " + src.displayName() + ": inheritance cycle " + String.join(" -> ", chain)
                + " -> " + src.displayName());
        }
        chain.add(src.displayName());
        Map<String, Profile.Setting> own = new LinkedHashMap<>();
        String[] lines = src.readText().split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException(src.displayName() + ":" + (i + 1) + ": expected 'key = value', got '" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!KEYS.contains(key) && !key.startsWith("kconfig.") && !key.startsWith("backend.")) {
                throw new InvalidInputException(src.displayName() + ":" + (i + 1) + ": unknown profile key '" + key
                    + "' (known: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ", kconfig.<OPTION>)");
            }
            if (own.containsKey(key)) {
                throw new InvalidInputException(src.displayName() + ":" + (i + 1) + ": key '" + key + "' given twice");
            }
            own.put(key, new Profile.Setting(value, src, i + 1));
        }
        Map<String, Profile.Setting> merged = new LinkedHashMap<>();
        Profile.Setting inherit = own.get("inherit");
        ProfileSource base = ProfileSource.shipped(SHIPPED_DIR + BASE + ".profile").orElseThrow();
        ProfileSource parentSource = inherit != null ? locate(inherit.value(), src)
            : src.path().isEmpty() && src.displayName().equals(base.displayName()) ? null : base;
        if (parentSource != null) {
            Profile parent = load(parentSource, chain);
            merged.putAll(parent.settings());
            merged.remove("name");
        }
        merged.putAll(own);
        merged.remove("inherit");
        String name = Optional.ofNullable(merged.get("name")).map(Profile.Setting::value)
            .orElseGet(() -> baseName(src.displayName()));
        return new Profile(name, merged);
    }

    private static String baseName(String path) {
        String n = path.substring(path.lastIndexOf('/') + 1);
        return n.endsWith(".profile") ? n.substring(0, n.length() - 8) : n;
    }
}
