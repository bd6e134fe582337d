package org.dmasim.cma;

import java.util.List;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.BootLog;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.mm.buddy.PfnRange;
import org.dmasim.mm.buddy.ZoneSpec;

/**
 * A real buddy allocator with a 64 MiB CMA area that is the whole of ZONE_DMA
 * ([0x40000, 0x44000)) and 960 MiB of ZONE_NORMAL above it, all free: movable allocations
 * restricted to ZONE_DMA can only land in the area, and migration targets come from Normal.
 */
final class BuddyBoard {
    static final long BASE = 0x40000;
    static final long COUNT = 16384;
    final BootLog log = new BootLog();
    final BuddyAllocator buddy;
    final Cma cma;

    BuddyBoard() {
        buddy = BuddyAllocator.create(
            List.of(new ZoneSpec(ZoneType.DMA, BASE, COUNT, COUNT), ZoneSpec.empty(ZoneType.DMA32),
                new ZoneSpec(ZoneType.NORMAL, 0x44000, 0x3c000, 0x3c000), ZoneSpec.empty(ZoneType.MOVABLE),
                ZoneSpec.empty(ZoneType.DEVICE)),
            List.of(new PfnRange(BASE, 0x80000)));
        buddy.freeBootMemory(0x44000, 0x80000);
        StandaloneCma s = StandaloneCma.create(log).activate(buddy, "reserved", BASE, COUNT, 0);
        cma = (Cma) s.areas().defaultArea().get();
    }

    /** Free pages including those parked on pcp lists. */
    long free() {
        return buddy.freePages() + buddy.pcpPages();
    }
}
