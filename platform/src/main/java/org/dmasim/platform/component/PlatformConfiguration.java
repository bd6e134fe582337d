package org.dmasim.platform.component;

import org.dmasim.api.platform.PlatformConfig;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The settings of one platform, as Metatype-aware tools list and edit them: the factory
 * configuration {@value PlatformConfig#FACTORY_PID}. Member names are the configuration keys
 * (the constants of {@link PlatformConfig}). Every key but {@code name} overrides the profile
 * and may be left out.
 *
 * <p>{@code backend.SUBSYSTEM} keys (one backend choice each, as profiles write them) cannot be
 * listed by a fixed definition; the platform reads them from the raw properties, and the
 * {@code backend} attribute takes the same choices as {@code SUBSYSTEM=CHOICE} entries.
 */
@ObjectClassDefinition(id = PlatformConfig.FACTORY_PID, name = "dmasim platform",
    description = "One simulated Linux platform (6.1 or 6.12): a profile plus overrides. Changing it re-boots this"
        + " platform only.")
@interface PlatformConfiguration {
    @AttributeDefinition(name = "Name", description = "The platform's name: its services carry"
        + " dmasim.platform=<name>. Default: the configuration's PID.")
    String name();

    @AttributeDefinition(name = "Profile", required = false, description = "A shipped profile (qemu-virt-arm64,"
        + " qemu-virt-arm64-testdevs, qemu-virt-arm64-smmuv3, arm64-split-4g, pc-x86_64, server-x86_64-1t) or a"
        + " profile file. Default: the architecture's default profile (qemu-virt-arm64 or pc-x86_64).")
    String profile();

    @AttributeDefinition(name = "Architecture", required = false, description = "Default: the profile's.",
        options = {@Option(label = "arm64", value = "arm64"), @Option(label = "x86_64", value = "x86_64")})
    String arch();

    @AttributeDefinition(name = "Kernel", required = false, description = "The Linux version the platform runs:"
        + " its Kconfig defaults and every rule that differs between versions. Default: the profile's, else 6.1.",
        options = {@Option(label = "Linux 6.1 (Debian 12)", value = "6.1"),
            @Option(label = "Linux 6.12 (Debian 12 backports)", value = "6.12")})
    String kernel();

    @AttributeDefinition(name = "Device tree", required = false,
        description = "arm64: a device tree file (.dtb, or .dts in dmasim's subset) replacing the profile's.")
    String dtb();

    @AttributeDefinition(name = "e820 map", required = false, description = "x86_64: a file of BIOS-e820 lines as"
        + " dmesg prints them, replacing the profile's.")
    String e820();

    @AttributeDefinition(name = "RAM banks", required = false, description = "SIZE@BASE[,SIZE@BASE...], replacing"
        + " the RAM of the device tree or the usable e820 entries.")
    String mem();

    @AttributeDefinition(name = "Kernel command line", required = false,
        description = "Replaces the profile's command line.")
    String cmdline();

    @AttributeDefinition(name = "Kconfig", required = false, cardinality = Integer.MAX_VALUE,
        description = "Kconfig overrides, OPTION=VALUE each without CONFIG_ (e.g. CMA_SIZE_MBYTES=128).")
    String[] kconfig();

    @AttributeDefinition(name = "CPUs", required = false, type = AttributeType.INTEGER, min = "1", max = "8192",
        description = "Possible CPUs. Default: the profile's, else the device tree's cpu nodes, else 1.")
    int cpus();

    @AttributeDefinition(name = "Backends", required = false, cardinality = Integer.MAX_VALUE,
        description = "Backend choices, SUBSYSTEM=CHOICE each (today dmapool=6.1 or dmapool=6.4). A single choice may"
            + " also be a key of its own, backend.SUBSYSTEM = CHOICE, as in profiles.")
    String[] backend();

    @AttributeDefinition(name = "Kernel Image base", required = false, description = "arm64: the physical address the"
        + " boot loader puts the kernel Image at, or auto (start of RAM + 2 MiB, else the next 2 MiB boundary clear of"
        + " reserved memory).")
    String kernel_base();

    @AttributeDefinition(name = "Device-tree blob base", required = false,
        description = "arm64: the physical address of the device-tree blob, or auto.")
    String dtb_base();

    @AttributeDefinition(name = "CPU cache eviction", required = false, description = "The simulated CPU data"
        + " cache's eviction: none (default: a line leaves only through cache maintenance, so every missing"
        + " dma_sync shows) or seed=N,rate=R (each CPU line access evicts a random cached line with probability R,"
        + " from the random sequence of seed N).")
    String cache_evict();

    @AttributeDefinition(name = "Device-tree blob size", required = false, description = "arm64: the blob's size as"
        + " loaded: file (the file's size), qemu-dtb (QEMU's (file size + 10000) * 2) or a size such as 1M.")
    String dtb_size();
}
