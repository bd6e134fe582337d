package org.dmasim.mm.zone;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.mm.buddy.MmKernel;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.api.platform.Arch;
import org.osgi.service.component.annotations.Component;

/**
 * mm's part in boot: sizing the zones ({@code free_area_init}), the zonelist line, and
 * {@code memblock_free_all()} handing free memory to a new buddy allocator. Publishes the
 * kernel's {@link MmRules} (GFP table, order limit) for the other backends and for run time.
 */
@Component(service = BootParticipant.class, property = BootParticipant.BACKEND_PROPERTY + "=mm.buddy")
public final class ZoneBoot implements BootParticipant {
    @Override
    public String name() {
        return "mm.buddy";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.FREE_AREA_INIT, BootPhase.ZONELISTS, BootPhase.FREE_ALL, BootPhase.ATOMIC_POOLS);
    }

    /** GFP table, reserve rights, Total pages and the order limit's name differ ({@link MmKernel}). */
    @Override
    public Set<KernelVersion> kernels() {
        return MmKernel.kernels();
    }

    @Override
    public int rank(BootPhase phase) {
        // init_per_zone_wmark_min() is a postcore_initcall linked after kernel/dma/pool.c's.
        return phase == BootPhase.ATOMIC_POOLS ? 10 : 0;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        switch (phase) {
            case FREE_AREA_INIT -> {
                ctx.put(MmRules.class, MmKernel.of(ctx.spec().kernel()));
                ctx.put(NodeLayout.class, FreeAreaInit.run(ctx));
            }
            case ZONELISTS -> FreeAreaInit.zonelists(ctx, ctx.require(NodeLayout.class),
                MmKernel.of(ctx.spec().kernel()));
            case FREE_ALL -> MemblockFreeAll.run(ctx);
            case ATOMIC_POOLS -> ((BuddyAllocator) ctx.require(PageAllocator.class)).setupPerZoneWmarks();
            default -> {
            }
        }
    }

    /** The buddy allocator the boot built serves the platform at run time, as this bundle's service. */
    @Override
    public void start(RuntimeContext ctx) {
        ctx.get(PageAllocator.class).ifPresent(buddy -> ctx.offer(PageAllocator.class, buddy,
            ctx.newInstance("the buddy allocator", () -> { })));
    }
}
