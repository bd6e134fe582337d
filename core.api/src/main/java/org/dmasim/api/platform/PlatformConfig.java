package org.dmasim.api.platform;

/**
 * Keys of a platform's factory configuration (factory PID {@value #FACTORY_PID}). Each
 * configuration is one platform; updating it re-boots that platform. Every key but
 * {@link #NAME} is optional and overrides the profile.
 */
public final class PlatformConfig {
    public static final String FACTORY_PID = "org.dmasim.platform";
    /** Platform name ({@code dmasim.platform} of its services). */
    public static final String NAME = "name";
    /** A shipped profile name or a profile file path; default qemu-virt-arm64. */
    public static final String PROFILE = "profile";
    public static final String ARCH = "arch";
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
    /** Replace the profile's command line instead of appending to it ("true"). */
    public static final String CMDLINE_REPLACE = "cmdline.replace";
    /**
     * Backend choices {@code SUBSYSTEM=CHOICE} (String[] or comma-separated), e.g.
     * {@code dmapool=6.4}; they land in {@link PlatformSpec#options()}.
     */
    public static final String BACKEND = "backend";
    /** Single backend choice keys: {@code backend.dmapool = 6.4} (also valid in profiles). */
    public static final String BACKEND_PREFIX = "backend.";

    private PlatformConfig() {
    }
}
