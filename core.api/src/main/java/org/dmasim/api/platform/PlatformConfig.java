package org.dmasim.api.platform;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Objects;

/**
 * A platform's factory configuration (factory PID {@value #FACTORY_PID}): each configuration is
 * one platform, and updating it re-boots that platform only. Every key but {@link #NAME} is
 * optional and overrides the profile. The platform bundle describes these keys for Metatype
 * (the object class definition {@value #FACTORY_PID}), so Metatype-aware tools list and edit
 * them.
 *
 * <p>Write one with the typed builder, for {@code ConfigurationAdmin}:
 * <pre>
 * configAdmin.getFactoryConfiguration(PlatformConfig.FACTORY_PID, "board", "?")
 *     .update(PlatformConfig.named("board").profile("qemu-virt-arm64").cmdline("cma=128M").toProperties());
 * </pre>
 * The key constants name the same keys for code that reads or writes properties directly.
 */
public final class PlatformConfig {
    public static final String FACTORY_PID = "org.dmasim.platform";
    /** Platform name ({@code dmasim.platform} of its services). */
    public static final String NAME = "name";
    /** A shipped profile name or a profile file path; default qemu-virt-arm64. */
    public static final String PROFILE = "profile";
    public static final String ARCH = "arch";
    /**
     * The kernel the platform runs, {@code 6.1} (default) or {@code 6.12}; also a profile key.
     * Its Kconfig defaults and every version-specific rule follow from it.
     */
    public static final String KERNEL = "kernel";
    /** Device tree file (.dtb or .dts). */
    public static final String DTB = "dtb";
    /** e820 file: BIOS-e820 lines as dmesg prints them. */
    public static final String E820 = "e820";
    /** RAM banks {@code SIZE@BASE[,SIZE@BASE...]}. */
    public static final String MEM = "mem";
    /** Kernel command line; replaces the profile's (as --cmdline does). */
    public static final String CMDLINE = "cmdline";
    /** Kconfig overrides, {@code KEY=VALUE} each (String[] or comma-separated String). */
    public static final String KCONFIG = "kconfig";
    public static final String CPUS = "cpus";
    /**
     * The kernel Image's physical load address ({@code auto} or an address, 2 MiB aligned as
     * Documentation/arm64/booting.rst requires); also a profile key.
     */
    public static final String KERNEL_BASE = "kernel.base";
    /** The device-tree blob's physical address ({@code auto} or an address); also a profile key. */
    public static final String DTB_BASE = "dtb.base";
    /**
     * The device-tree blob's size as loaded ({@code file}, {@code qemu-dtb} or a size such as
     * {@code 1M}); also a profile key.
     */
    public static final String DTB_SIZE = "dtb.size";
    /**
     * The CPU data cache's eviction, {@code none} (default: lines leave only through cache
     * maintenance) or {@code seed=N,rate=R} (seeded random write-back eviction); also a profile
     * key. See {@link org.dmasim.api.mem.CacheEviction}.
     */
    public static final String CACHE_EVICT = "cache.evict";
    /**
     * Backend choices {@code SUBSYSTEM=CHOICE} (String[] or comma-separated), e.g.
     * {@code dmapool=6.4}; they land in {@link PlatformSpec#options()}.
     */
    public static final String BACKEND = "backend";
    /** Single backend choice keys: {@code backend.dmapool = 6.4} (also valid in profiles). */
    public static final String BACKEND_PREFIX = "backend.";

    private final Hashtable<String, Object> properties = new Hashtable<>();
    private final List<String> kconfig = new ArrayList<>();
    private final List<String> backends = new ArrayList<>();

    private PlatformConfig(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("platform name: empty (expected the name its services will carry)");
        }
        properties.put(NAME, name);
    }

    /** A configuration of the platform {@code name}, with every other key left to the profile. */
    public static PlatformConfig named(String name) {
        return new PlatformConfig(name);
    }

    /** A shipped profile's name or a profile file. */
    public PlatformConfig profile(String nameOrFile) {
        return put(PROFILE, nameOrFile);
    }

    public PlatformConfig arch(Arch arch) {
        return put(ARCH, arch.id());
    }

    /** The kernel version, e.g. {@code kernel("6.12")}. */
    public PlatformConfig kernel(String version) {
        return put(KERNEL, version);
    }

    /** A device tree (.dtb or .dts) replacing the profile's. */
    public PlatformConfig dtb(Path file) {
        return put(DTB, file.toString());
    }

    /** An e820 map replacing the profile's. */
    public PlatformConfig e820(Path file) {
        return put(E820, file.toString());
    }

    /** RAM banks {@code SIZE@BASE[,SIZE@BASE...]} replacing the firmware's. */
    public PlatformConfig mem(String banks) {
        return put(MEM, banks);
    }

    /** The kernel command line, replacing the profile's. */
    public PlatformConfig cmdline(String cmdline) {
        return put(CMDLINE, cmdline);
    }

    /** One Kconfig override, {@code option} without {@code CONFIG_}. */
    public PlatformConfig kconfig(String option, String value) {
        kconfig.add(Objects.requireNonNull(option, "option") + "=" + Objects.requireNonNull(value, "value"));
        return this;
    }

    public PlatformConfig cpus(int cpus) {
        properties.put(CPUS, cpus);
        return this;
    }

    /** Where the boot loader puts the kernel Image: {@code auto} or a physical address. */
    public PlatformConfig kernelBase(String autoOrAddress) {
        return put(KERNEL_BASE, autoOrAddress);
    }

    /** Where the boot loader puts the device-tree blob: {@code auto} or a physical address. */
    public PlatformConfig dtbBase(String autoOrAddress) {
        return put(DTB_BASE, autoOrAddress);
    }

    /** The blob's size as loaded: {@code file}, {@code qemu-dtb} or a size such as {@code 1M}. */
    public PlatformConfig dtbSize(String rule) {
        return put(DTB_SIZE, rule);
    }

    /** The CPU cache's eviction: {@code none} or {@code seed=N,rate=R}. */
    public PlatformConfig cacheEvict(String noneOrSeedRate) {
        return put(CACHE_EVICT, noneOrSeedRate);
    }

    /** One backend choice, e.g. {@code backend("dmapool", "6.4")}. */
    public PlatformConfig backend(String subsystem, String choice) {
        backends.add(Objects.requireNonNull(subsystem, "subsystem") + "=" + Objects.requireNonNull(choice, "choice"));
        return this;
    }

    private PlatformConfig put(String key, String value) {
        properties.put(key, Objects.requireNonNull(value, key));
        return this;
    }

    /** The properties to give {@code Configuration.update}: a fresh copy each time. */
    public Dictionary<String, Object> toProperties() {
        Hashtable<String, Object> out = new Hashtable<>(properties);
        if (!kconfig.isEmpty()) {
            out.put(KCONFIG, kconfig.toArray(new String[0]));
        }
        if (!backends.isEmpty()) {
            out.put(BACKEND, backends.toArray(new String[0]));
        }
        return out;
    }
}
