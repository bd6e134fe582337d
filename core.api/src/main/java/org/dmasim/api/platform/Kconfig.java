package org.dmasim.api.platform;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kconfig choices that change the DMA memory layout, keyed without the {@code CONFIG_}
 * prefix. Defaults are Debian 12's 6.1 configuration per architecture; a profile or
 * {@code --kconfig KEY=VALUE} overrides single keys. Booleans are {@code y} or {@code n}.
 */
public final class Kconfig {
    private static final Map<String, String> ARM64 = new LinkedHashMap<>();
    private static final Map<String, String> X86_64 = new LinkedHashMap<>();

    static {
        common(ARM64);
        ARM64.put("CMA", "y");
        ARM64.put("DMA_CMA", "y");
        ARM64.put("CMA_SIZE_SEL_MBYTES", "y");
        ARM64.put("CMA_SIZE_MBYTES", "64");
        ARM64.put("CMA_SIZE_PERCENTAGE", "10");
        ARM64.put("CMA_ALIGNMENT", "8");
        ARM64.put("CMA_AREAS", "19");
        ARM64.put("DMA_PERNUMA_CMA", "y");
        ARM64.put("ZONE_DEVICE", "n");
        ARM64.put("DMA_DIRECT_REMAP", "y");
        ARM64.put("OF_RESERVED_MEM", "y");
        ARM64.put("IOMMU_DEFAULT_DMA_STRICT", "y");
        ARM64.put("IOMMU_DEFAULT_DMA_LAZY", "n");
        ARM64.put("NR_CPUS", "256");

        common(X86_64);
        X86_64.put("CMA", "n");
        X86_64.put("DMA_CMA", "n");
        X86_64.put("CMA_SIZE_SEL_MBYTES", "y");
        X86_64.put("CMA_SIZE_MBYTES", "0");
        X86_64.put("CMA_SIZE_PERCENTAGE", "0");
        X86_64.put("CMA_ALIGNMENT", "8");
        X86_64.put("CMA_AREAS", "19");
        X86_64.put("DMA_PERNUMA_CMA", "n");
        X86_64.put("ZONE_DEVICE", "y");
        X86_64.put("DMA_DIRECT_REMAP", "n");
        X86_64.put("OF_RESERVED_MEM", "n");
        X86_64.put("IOMMU_DEFAULT_DMA_STRICT", "n");
        X86_64.put("IOMMU_DEFAULT_DMA_LAZY", "y");
        X86_64.put("NR_CPUS", "8192");
    }

    private static void common(Map<String, String> m) {
        m.put("ZONE_DMA", "y");
        m.put("ZONE_DMA32", "y");
        m.put("CMA_SIZE_SEL_PERCENTAGE", "n");
        m.put("CMA_SIZE_SEL_MIN", "n");
        m.put("CMA_SIZE_SEL_MAX", "n");
        m.put("SWIOTLB", "y");
        m.put("DMA_COHERENT_POOL", "y");
        m.put("DMA_RESTRICTED_POOL", "n");
        m.put("DMA_API_DEBUG", "n");
        // lib/Kconfig.debug: "default y" once DMA_API_DEBUG is enabled.
        m.put("DMA_API_DEBUG_SG", "y");
        m.put("VMAP_STACK", "y");
        m.put("IOMMU_DEFAULT_PASSTHROUGH", "n");
        m.put("DEBUG_SLAB", "n");
        m.put("SLUB_DEBUG_ON", "n");
        m.put("HUGETLB_PAGE", "y");
        m.put("DEFERRED_STRUCT_PAGE_INIT", "y");
    }

    private final Map<String, String> values;

    private Kconfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public static Kconfig defaults(Arch arch) {
        return new Kconfig(arch == Arch.ARM64 ? ARM64 : X86_64);
    }

    /**
     * A copy with one key changed. Only keys this simulator knows are accepted, so a typo is an
     * error rather than a silently ignored option.
     */
    public Kconfig with(String key, String value) {
        String k = key.startsWith("CONFIG_") ? key.substring(7) : key;
        if (!values.containsKey(k)) {
            throw new InvalidInputException("kconfig " + key + ": unknown option (known: "
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
        Kconfig next = new Kconfig(m);
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
