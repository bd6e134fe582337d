package org.dmasim.api.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The Kconfig choices that change the DMA memory layout, keyed without the {@code CONFIG_}
 * prefix. The defaults are those of the Debian kernel of each modelled version, per
 * architecture; a profile or {@code --kconfig KEY=VALUE} overrides single keys. Booleans are
 * {@code y} or {@code n}.
 *
 * <p>The defaults are data, not code: one file per kernel version next to this class
 * ({@code kconfig/VERSION.config}, lines {@code ARCH OPTION VALUE}), and the index of modelled
 * versions ({@code kconfig/kernels}). Modelling another kernel starts with adding its file and
 * its line in the index; an option a version does not list is not one that kernel has, and
 * {@link #with} refuses it.
 */
public final class Kconfig {
    private static final String DIR = "kconfig/";
    private static final List<KernelVersion> KERNELS;
    private static final KernelVersion DEFAULT_KERNEL;
    private static final Map<KernelVersion, String> BUILDS = new java.util.HashMap<>();
    private static final Map<String, Map<String, String>> DEFAULTS = new ConcurrentHashMap<>();

    static {
        List<KernelVersion> kernels = new ArrayList<>();
        KernelVersion dflt = null;
        for (String line : resourceLines(DIR + "kernels")) {
            String[] f = line.split("\\s+", 2);
            KernelVersion v = KernelVersion.parse(f[0]);
            kernels.add(v);
            String rest = f.length > 1 ? f[1] : "";
            if (rest.startsWith("default")) {
                dflt = v;
                rest = rest.substring("default".length()).strip();
            }
            BUILDS.put(v, rest);
        }
        if (kernels.isEmpty() || dflt == null) {
            throw new IllegalStateException("dmasim core.api: kconfig/kernels lists no default kernel");
        }
        KERNELS = List.copyOf(kernels);
        DEFAULT_KERNEL = dflt;
    }

    private final Map<String, String> values;
    private final KernelVersion kernel;

    private Kconfig(Map<String, String> values, KernelVersion kernel) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.kernel = kernel;
    }

    /** The kernel whose options these are. */
    public KernelVersion kernel() {
        return kernel;
    }

    /** The kernels whose Kconfig defaults ship, oldest first: the kernels dmasim models. */
    public static List<KernelVersion> kernels() {
        return KERNELS;
    }

    /** Which build of {@code kernel} dmasim models, e.g. {@code Debian 12, 6.1.192}; empty if unknown. */
    public static String build(KernelVersion kernel) {
        return BUILDS.getOrDefault(kernel, "");
    }

    /** The kernel a platform runs unless it names one: Debian 12's, Linux 6.1. */
    public static KernelVersion defaultKernel() {
        return DEFAULT_KERNEL;
    }

    /**
     * Whether dmasim models {@code kernel}; the message of a refusal names the ones it does.
     *
     * @throws InvalidInputException when it does not
     */
    public static KernelVersion requireModelled(KernelVersion kernel) {
        if (!KERNELS.contains(kernel)) {
            throw new InvalidInputException("kernel " + kernel + ": not a kernel dmasim models (modelled: "
                + KERNELS.stream().map(KernelVersion::toString).collect(Collectors.joining(", ")) + ")");
        }
        return kernel;
    }

    /** The default kernel's defaults for {@code arch}. */
    public static Kconfig defaults(Arch arch) {
        return defaults(arch, DEFAULT_KERNEL);
    }

    /**
     * Debian's Kconfig of {@code kernel} for {@code arch}.
     *
     * @throws InvalidInputException for a kernel dmasim does not model
     */
    public static Kconfig defaults(Arch arch, KernelVersion kernel) {
        requireModelled(kernel);
        return new Kconfig(DEFAULTS.computeIfAbsent(kernel + "/" + arch.id(), k -> load(arch, kernel)), kernel);
    }

    private static Map<String, String> load(Arch arch, KernelVersion kernel) {
        Map<String, String> m = new TreeMap<>();
        String file = DIR + kernel + ".config";
        for (String line : resourceLines(file)) {
            String[] f = line.split("\\s+");
            if (f.length != 3) {
                throw new IllegalStateException("dmasim core.api: " + file + ": '" + line + "' is not ARCH OPTION VALUE");
            }
            if (f[0].equals("*") || f[0].equals(arch.id())) {
                m.put(f[1], f[2]);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The lines of a shipped resource without comments and blank lines. */
    private static List<String> resourceLines(String name) {
        try (InputStream in = Kconfig.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("dmasim core.api: resource " + name + " is missing");
            }
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    out.add(l);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("dmasim core.api: reading " + name, e);
        }
    }

    /**
     * A copy with one key changed. Only keys this simulator knows are accepted, so a typo is an
     * error rather than a silently ignored option.
     */
    public Kconfig with(String key, String value) {
        String k = key.startsWith("CONFIG_") ? key.substring(7) : key;
        if (!values.containsKey(k)) {
            throw new InvalidInputException("kconfig " + key + ": unknown option of Linux " + kernel + " (known: "
                + String.join(", ", values.keySet()) + ")");
        }
        String v = value.trim();
        String old = values.get(k);
        boolean isBool = old.equals("y") || old.equals("n");
        if (isBool && !(v.equals("y") || v.equals("n"))) {
            throw new InvalidInputException("kconfig " + k + "=" + value + ": a bool option takes y or n");
        }
        if (!isBool) {
            try {
                Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("kconfig " + k + "=" + value + ": expected a decimal number");
            }
        }
        Map<String, String> m = new TreeMap<>(values);
        m.put(k, v);
        Kconfig next = new Kconfig(m, kernel);
        next.validate(k);
        return next;
    }

    private void validate(String changed) {
        if (changed.equals("CMA_ALIGNMENT")) {
            long a = number("CMA_ALIGNMENT");
            if (a < 2 || a > 12) {
                throw new InvalidInputException("kconfig CMA_ALIGNMENT=" + a + ": out of range 2..12");
            }
        }
        if (changed.equals("CMA_SIZE_PERCENTAGE")) {
            long p = number("CMA_SIZE_PERCENTAGE");
            if (p < 0 || p > 100) {
                throw new InvalidInputException("kconfig CMA_SIZE_PERCENTAGE=" + p + ": out of range 0..100");
            }
        }
    }

    public boolean enabled(String key) {
        return "y".equals(values.get(key));
    }

    public long number(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("kconfig " + key + " is not a known option");
        }
        return Long.parseLong(v);
    }

    public Map<String, String> values() {
        return values;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
