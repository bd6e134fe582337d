package org.dmasim.platform.of;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.KernelVersion;

/**
 * The device tree's {@code /reserved-memory} and {@code /memreserve/} at boot
 * ({@code drivers/of/fdt.c}, {@code drivers/of/of_reserved_mem.c}): reserving the static regions,
 * placing the dynamic ones, offering each region to the handlers of its {@code compatible}
 * strings (CMA's, dma.core's) and giving back what no handler takes. When each happens, and in
 * which order, differs between kernels ({@link OfReservedMem}): 6.1 does it all at
 * {@code early_init_fdt_scan_reserved_mem()}; 6.12 sets up the static regions from
 * {@code unflatten_device_tree()}, in device-tree order, and announces every region.
 */
public final class ReservedMemScan implements BootParticipant {
    @Override
    public String name() {
        return "platform.of";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return arch == Arch.ARM64 ? EnumSet.of(BootPhase.RESERVED_MEM, BootPhase.UNFLATTEN_DT)
            : EnumSet.noneOf(BootPhase.class);
    }

    /** The order and the lines differ between kernels ({@link OfReservedMem}). */
    @Override
    public Set<KernelVersion> kernels() {
        return OfReservedMem.kernels();
    }

    /** Before the architecture's own unflatten allocations (6.12's static regions come first). */
    @Override
    public int rank(BootPhase phase) {
        return phase == BootPhase.UNFLATTEN_DT ? -10 : 0;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        Optional<DeviceTree> dt = ctx.deviceTree();
        if (dt.isEmpty() || !ctx.spec().kconfig().enabled("OF_RESERVED_MEM")) {
            return;
        }
        OfReservedMem rules = OfReservedMem.of(ctx.spec().kernel());
        if (phase == BootPhase.RESERVED_MEM) {
            rules.earlyScan(ctx, dt.get());
        } else {
            rules.atUnflatten(ctx, dt.get());
        }
    }
}
