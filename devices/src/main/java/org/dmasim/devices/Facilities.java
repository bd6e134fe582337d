package org.dmasim.devices;

import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.slab.Kmalloc;

/**
 * A platform's services as devices and drivers use them, looked up at every call (a backend that
 * was replaced serves the next call with its successor, as dma.core does for its own lookups).
 */
record Facilities(Platform platform) {
    String name() {
        return platform.name();
    }

    DmaApi dma() {
        return need(DmaApi.class, "dma.core");
    }

    CpuCache cache() {
        return need(CpuCache.class, "platform");
    }

    KernelVm vm() {
        return dma().kernelVm();
    }

    PageAllocator pages() {
        return need(PageAllocator.class, "mm.buddy");
    }

    Kmalloc kmalloc() {
        return need(Kmalloc.class, "mm.slab");
    }

    /** {@code GFP_ATOMIC} of the platform's kernel (6.1 and 6.12 differ). */
    int gfpAtomic() {
        return need(MmRules.class, "mm.buddy").gfpAtomic();
    }

    private <T> T need(Class<T> type, String backend) {
        return platform.lookup(type).orElseThrow(() -> new IllegalStateException("platform '" + platform.name()
            + "' has no " + backend + " service (" + platform.state() + ")"));
    }
}
