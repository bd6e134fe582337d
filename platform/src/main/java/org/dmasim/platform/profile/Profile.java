package org.dmasim.platform.profile;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A profile after inheritance: key = value settings and where relative paths resolve from.
 * Keys: {@code name}, {@code description}, {@code inherit}, {@code arch}, {@code dtb},
 * {@code e820}, {@code mem}, {@code cmdline}, {@code cpus}, {@code kernel}, {@code kconfig.<KEY>}.
 */
public record Profile(String name, Map<String, Setting> settings) {
    /** A value and the location its relative paths are resolved against. */
    public record Setting(String value, ProfileSource origin, int line) {
    }

    public Profile {
        settings = new LinkedHashMap<>(settings);
    }

    public Optional<Setting> get(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    public Optional<String> value(String key) {
        return get(key).map(Setting::value);
    }
}
