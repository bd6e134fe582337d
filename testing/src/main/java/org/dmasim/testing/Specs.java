package org.dmasim.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.MemoryRange;
import org.dmasim.api.platform.PlatformSpec;

/** Platform specs for tests, without profiles or firmware files: Debian's Kconfig defaults, one CPU. */
public final class Specs {
    private Specs() {
    }

    /** A spec named {@code test-<arch>} with a command line and nothing else. */
    public static PlatformSpec spec(Arch arch, String cmdline) {
        return new PlatformSpec("test-" + arch.id(), arch, Optional.empty(), List.of(), List.of(),
            KernelCmdline.parse(cmdline), Kconfig.defaults(arch), 1, Map.of());
    }

    /** A spec with a given Kconfig and backend options. */
    public static PlatformSpec spec(Arch arch, Kconfig kconfig, Map<String, String> options) {
        return new PlatformSpec("test-" + arch.id(), arch, Optional.empty(), List.of(), List.of(),
            KernelCmdline.parse(""), kconfig, 1, options);
    }

    /** An arm64 spec booting from a device tree, with RAM banks given (or none: the tree's). */
    public static PlatformSpec arm64(DeviceTree dt, List<MemoryRange> mem, String cmdline) {
        return new PlatformSpec("test-arm64", Arch.ARM64, Optional.ofNullable(dt), List.of(), mem,
            KernelCmdline.parse(cmdline), Kconfig.defaults(Arch.ARM64), 1, Map.of());
    }

    /** An x86_64 spec booting from an e820 map. */
    public static PlatformSpec x86(List<E820Entry> e820, String cmdline) {
        return new PlatformSpec("test-x86_64", Arch.X86_64, Optional.empty(), e820, List.of(),
            KernelCmdline.parse(cmdline), Kconfig.defaults(Arch.X86_64), 1, Map.of());
    }
}
