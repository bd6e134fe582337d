package org.dmasim.mm.zone;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.mm.buddy.BuddyOptions;
import org.dmasim.mm.buddy.MmKernel;
import org.dmasim.mm.buddy.PfnRange;
import org.dmasim.mm.buddy.ZoneSpec;

/**
 * {@code memblock_free_all()}: builds the buddy allocator over the zones free_area_init sized,
 * with every page reserved, then frees each memblock free range (memory minus reserved, nomap
 * excluded) in whole pages. What stays reserved — kernel, memmap, CMA areas until activation,
 * swiotlb — is never managed by the allocator, exactly like the kernel's reserved pages.
 * The allocator gets one pcp pageset per possible CPU, the platform's RAM contents when
 * published, and the boot log as its warning sink.
 */
final class MemblockFreeAll {
    private MemblockFreeAll() {
    }

    static void run(BootContext ctx) {
        NodeLayout layout = ctx.require(NodeLayout.class);
        List<ZoneSpec> zones = new ArrayList<>();
        for (NodeLayout.ZoneSpan z : layout.zones()) {
            zones.add(z.spanned() == 0 ? ZoneSpec.empty(z.type())
                : new ZoneSpec(z.type(), z.startPfn(), z.spanned(), z.present()));
        }
        List<PfnRange> memory = new ArrayList<>();
        for (long[] r : FreeAreaInit.pfnRanges(ctx.memblock())) {
            memory.add(new PfnRange(r[0], r[1]));
        }
        var kconfig = ctx.spec().kconfig();
        BuddyOptions options = BuddyOptions.defaults()
            .withNrCpus(ctx.spec().possibleCpus())
            .withCmaConfigured(kconfig.enabled("CMA"))
            .withKernel(MmKernel.of(ctx.spec().kernel()));
        BuddyAllocator buddy = BuddyAllocator.create(zones, memory, options);
        // Allocation-failure warnings reach the platform log as they happen.
        buddy.setWarningSink(line -> ctx.log().warn(line));
        // RAM contents (published from the MEMBLOCK phase on): __GFP_ZERO fills, migration copies.
        ctx.get(PhysMemory.class).ifPresent(buddy::attachMemory);
        for (Memblock.Region r : ctx.memblock().freeRanges()) {
            long s = Page.pfnUp(r.base());
            long e = Page.pfnDown(r.end());
            if (s < e) {
                buddy.freeBootMemory(s, e);
            }
        }
        ctx.put(PageAllocator.class, buddy);
    }
}
