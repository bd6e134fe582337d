package org.dmasim.mm.slab;

import java.util.function.IntFunction;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;

/**
 * What the kmalloc caches use of the rest of the platform.
 *
 * @param buddy the page allocator slabs and large allocations come from
 * @param vm the linear map (object addresses) and the CPU's path to memory (__GFP_ZERO)
 * @param log the platform's log, for the kernel's warnings and dmasim's remarks
 * @param registry which slab or large allocation owns a page
 * @param gfpNames GFP flags as the kernel's {@code %pGg} prints them, for the kernel's messages
 */
record SlabEnv(PageAllocator buddy, KernelVm vm, BootLog log, SlabRegistry registry, IntFunction<String> gfpNames) {
}
