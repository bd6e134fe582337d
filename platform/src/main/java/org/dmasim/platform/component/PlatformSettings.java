package org.dmasim.platform.component;

import java.lang.reflect.Array;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformConfig;

/**
 * Reads a platform's configuration through its typed definition ({@link PlatformConfiguration})
 * into the settings the profile loader turns into a platform spec. Only the keys the
 * configuration holds are passed on, so the others fall back to the profile; the
 * {@code backend.SUBSYSTEM} keys, which no fixed definition lists, come from the raw
 * properties. A value the framework cannot convert to its attribute's type is bad input that
 * names the key, the value and the type.
 */
final class PlatformSettings {
    private record Attribute(String key, String type, Function<PlatformConfiguration, Object> read) {
    }

    private static final List<Attribute> ATTRIBUTES = List.of(
        new Attribute(PlatformConfig.PROFILE, "a string", PlatformConfiguration::profile),
        new Attribute(PlatformConfig.ARCH, "a string", PlatformConfiguration::arch),
        new Attribute(PlatformConfig.KERNEL, "a string", PlatformConfiguration::kernel),
        new Attribute(PlatformConfig.DTB, "a string", PlatformConfiguration::dtb),
        new Attribute(PlatformConfig.E820, "a string", PlatformConfiguration::e820),
        new Attribute(PlatformConfig.MEM, "a string", PlatformConfiguration::mem),
        new Attribute(PlatformConfig.CMDLINE, "a string", PlatformConfiguration::cmdline),
        new Attribute(PlatformConfig.KCONFIG, "a list of strings", PlatformConfiguration::kconfig),
        new Attribute(PlatformConfig.CPUS, "an integer", PlatformConfiguration::cpus),
        new Attribute(PlatformConfig.BACKEND, "a list of strings", PlatformConfiguration::backend),
        new Attribute(PlatformConfig.KERNEL_BASE, "a string", PlatformConfiguration::kernel_base),
        new Attribute(PlatformConfig.DTB_BASE, "a string", PlatformConfiguration::dtb_base),
        new Attribute(PlatformConfig.DTB_SIZE, "a string", PlatformConfiguration::dtb_size),
        new Attribute(PlatformConfig.CACHE_EVICT, "a string", PlatformConfiguration::cache_evict));

    private PlatformSettings() {
    }

    /** The platform's name: {@code name}, else the configuration's PID. */
    static String name(PlatformConfiguration config, Map<String, ?> raw) {
        if (raw.containsKey(PlatformConfig.NAME)) {
            String name = config.name();
            if (name != null && !name.isBlank()) {
                return name;
            }
        }
        Object pid = raw.get("service.pid");
        return pid == null ? "platform" : pid.toString();
    }

    /** The settings for the profile loader, keyed as {@link PlatformConfig} names them. */
    static Map<String, Object> read(PlatformConfiguration config, Map<String, ?> raw) {
        Map<String, Object> out = new HashMap<>();
        out.put(PlatformConfig.NAME, name(config, raw));
        for (Attribute a : ATTRIBUTES) {
            if (!raw.containsKey(a.key())) {
                continue;
            }
            Object value;
            try {
                value = a.read().apply(config);
            } catch (RuntimeException conversion) {
                throw new InvalidInputException("platform configuration: " + a.key() + " = " + show(raw.get(a.key()))
                    + ": not " + a.type());
            }
            if (value != null) {
                out.put(a.key(), value);
            }
        }
        for (Map.Entry<String, ?> e : raw.entrySet()) {
            if (e.getKey().startsWith(PlatformConfig.BACKEND_PREFIX)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static String show(Object value) {
        if (value != null && value.getClass().isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < Array.getLength(value); i++) {
                b.append(i == 0 ? "" : ", ").append(Array.get(value, i));
            }
            return b.append(']').toString();
        }
        return "'" + value + "'";
    }
}
