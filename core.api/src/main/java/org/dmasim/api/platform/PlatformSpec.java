package org.dmasim.api.platform;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.mem.CacheEviction;

/**
 * Everything a platform boots from, resolved from a profile and the user's overrides:
 * architecture, firmware memory description (device tree on arm64, e820 on x86_64, or
 * explicit banks), kernel command line and Kconfig.
 *
 * @param name platform name, also the {@code dmasim.platform} service property
 * @param arch architecture
 * @param deviceTree the device tree (arm64; absent on x86_64)
 * @param e820 the firmware e820 map as printed by the kernel (x86_64; empty on arm64)
 * @param memOverride banks given with {@code --mem}; when non-empty they replace the DT
 *     memory nodes or the usable e820 entries
 * @param cmdline the kernel command line
 * @param kconfig Kconfig values; they are the build of one kernel version, which is the
 *     platform's kernel ({@link #kernel()})
 * @param possibleCpus {@code num_possible_cpus()}
 * @param options backend selections and other dmasim-level settings (key = value)
 * @param loader where the boot loader put the kernel Image and the device-tree blob, the blob's
 *     size, and where the command line came from (arm64)
 * @param cacheEviction how the simulated CPU data cache evicts lines ({@code cache.evict};
 *     default none)
 */
public record PlatformSpec(String name, Arch arch, Optional<DeviceTree> deviceTree, List<E820Entry> e820,
    List<MemoryRange> memOverride, KernelCmdline cmdline, Kconfig kconfig, int possibleCpus,
    Map<String, String> options, BootLoader loader, CacheEviction cacheEviction) {

    /** A platform whose CPU cache never evicts. */
    public PlatformSpec(String name, Arch arch, Optional<DeviceTree> deviceTree, List<E820Entry> e820,
        List<MemoryRange> memOverride, KernelCmdline cmdline, Kconfig kconfig, int possibleCpus,
        Map<String, String> options, BootLoader loader) {
        this(name, arch, deviceTree, e820, memOverride, cmdline, kconfig, possibleCpus, options, loader,
            CacheEviction.NONE);
    }

    /** A platform loaded as QEMU's virt machine loads its kernel and device tree. */
    public PlatformSpec(String name, Arch arch, Optional<DeviceTree> deviceTree, List<E820Entry> e820,
        List<MemoryRange> memOverride, KernelCmdline cmdline, Kconfig kconfig, int possibleCpus,
        Map<String, String> options) {
        this(name, arch, deviceTree, e820, memOverride, cmdline, kconfig, possibleCpus, options, BootLoader.QEMU_VIRT);
    }

    /** The kernel this platform runs: the version whose Kconfig it was built with. */
    public KernelVersion kernel() {
        return kconfig.kernel();
    }

    public PlatformSpec {
        java.util.Objects.requireNonNull(loader, "loader");
        java.util.Objects.requireNonNull(cacheEviction, "cacheEviction");
        e820 = List.copyOf(e820);
        memOverride = List.copyOf(memOverride);
        options = Map.copyOf(options);
        if (possibleCpus < 1) {
            throw new InvalidInputException("cpus=" + possibleCpus + ": a platform needs at least one CPU");
        }
    }
}
