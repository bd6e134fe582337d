package org.dmasim.mm.slab;

import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;

/**
 * What the kmalloc caches use of the rest of the platform.
 *
 * @param buddy the page allocator slabs and large allocations come from
 * @param vm the linear map (object addresses) and the CPU's path to memory (__GFP_ZERO)
 * @param log the platform's log, for the kernel's warnings and dmasim's remarks
 * @param registry which slab or large allocation owns a page
 * @param mm the kernel's GFP table: flags as its {@code %pGg} prints them, for the kernel's messages
 * @param slabGfpMask {@code GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK} of this kernel
 *     ({@link KmemCache#slabGfpMask})
 */
record SlabEnv(PageAllocator buddy, KernelVm vm, BootLog log, SlabRegistry registry, MmRules mm, int slabGfpMask) {
}
