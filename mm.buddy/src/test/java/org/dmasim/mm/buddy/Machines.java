package org.dmasim.mm.buddy;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.ZoneType;

/** Test platforms: zone layouts and boot sequences modelled on real ones, plus toy ones. */
final class Machines {
    private Machines() {
    }

    /** Present pages of [start, end) according to the memory ranges. */
    static long present(List<PfnRange> mem, long start, long end) {
        long n = 0;
        for (PfnRange r : mem) {
            n += Math.max(0, Math.min(end, r.endPfn()) - Math.max(start, r.startPfn()));
        }
        return n;
    }

    static ZoneSpec zone(ZoneType t, long start, long end, List<PfnRange> mem) {
        return new ZoneSpec(t, start, end - start, present(mem, start, end));
    }

    /**
     * The oracle's x86-4G-default: e820 usable [0, 0x9fc00), [0x100000, 0xbffe0000),
     * [4G, 5G); zones DMA [1, 0x1000), DMA32 [0x1000, 0x100000), Normal [0x100000, 0x140000),
     * Movable and Device empty. No CONFIG_CMA.
     */
    static final List<PfnRange> X86_4G_MEM = List.of(new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xbffe0),
        new PfnRange(0x100000, 0x140000));

    static List<ZoneSpec> x86Zones4G() {
        return List.of(zone(ZoneType.DMA, 0x1, 0x1000, X86_4G_MEM), zone(ZoneType.DMA32, 0x1000, 0x100000, X86_4G_MEM),
            zone(ZoneType.NORMAL, 0x100000, 0x140000, X86_4G_MEM), ZoneSpec.empty(ZoneType.MOVABLE),
            ZoneSpec.empty(ZoneType.DEVICE));
    }

    static BuddyAllocator x86Booted4G() {
        BuddyAllocator a = BuddyAllocator.create(x86Zones4G(), X86_4G_MEM,
            BuddyOptions.defaults().withCmaConfigured(false).withNrCpus(2));
        // memblock reservations of a typical boot: low 1 MiB, kernel image at 16 MiB, memmap and
        // page tables at the top of DMA32, the swiotlb buffer below 3 GiB.
        for (PfnRange r : freeRanges(X86_4G_MEM, List.of(new PfnRange(0x0, 0x100), new PfnRange(0x1000, 0x3400),
            new PfnRange(0xbbfe0, 0xbffe0), new PfnRange(0x13c000, 0x140000)))) {
            a.freeBootMemory(r.startPfn(), r.endPfn());
        }
        a.setupPerZoneWmarks();
        return a;
    }

    /** memory minus reserved, both sorted: what for_each_free_mem_range yields. */
    static List<PfnRange> freeRanges(List<PfnRange> memory, List<PfnRange> reserved) {
        List<PfnRange> out = new ArrayList<>();
        for (PfnRange m : memory) {
            long cur = m.startPfn();
            for (PfnRange r : reserved) {
                if (r.endPfn() <= cur || r.startPfn() >= m.endPfn()) {
                    continue;
                }
                if (r.startPfn() > cur) {
                    out.add(new PfnRange(cur, r.startPfn()));
                }
                cur = Math.max(cur, r.endPfn());
            }
            if (cur < m.endPfn()) {
                out.add(new PfnRange(cur, m.endPfn()));
            }
        }
        return out;
    }

    /**
     * A toy arm64-like node with all three lower zones populated, holes, and a CMA area:
     * DMA [0x1, 0x1000), DMA32 [0x1000, 0x10000) with a hole [0xe000, 0x10000),
     * Normal [0x10000, 0x30000); CMA pageblocks [0x20000, 0x22000).
     */
    static final List<PfnRange> TOY_MEM = List.of(new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xe000),
        new PfnRange(0x10000, 0x30000));
    static final long TOY_CMA_START = 0x20000;
    static final long TOY_CMA_END = 0x22000;

    static List<ZoneSpec> toyZones() {
        return List.of(zone(ZoneType.DMA, 0x1, 0x1000, TOY_MEM), zone(ZoneType.DMA32, 0x1000, 0x10000, TOY_MEM),
            zone(ZoneType.NORMAL, 0x10000, 0x30000, TOY_MEM), ZoneSpec.empty(ZoneType.MOVABLE));
    }

    static BuddyAllocator toyBooted(BuddyOptions options) {
        BuddyAllocator a = BuddyAllocator.create(toyZones(), TOY_MEM, options);
        List<PfnRange> reserved = List.of(new PfnRange(0x0, 0x100), new PfnRange(0x2000, 0x2433),
            new PfnRange(0xdc00, 0xe000), new PfnRange(TOY_CMA_START, TOY_CMA_END), new PfnRange(0x2f000, 0x2f00d));
        for (PfnRange r : freeRanges(TOY_MEM, reserved)) {
            a.freeBootMemory(r.startPfn(), r.endPfn());
        }
        for (long pfn = TOY_CMA_START; pfn < TOY_CMA_END; pfn += 512) {
            a.initCmaReservedPageblock(pfn);
        }
        a.setupPerZoneWmarks();
        return a;
    }

    static BuddyAllocator toyBooted() {
        return toyBooted(BuddyOptions.defaults());
    }

    /** One populated Normal zone of one section [0x10000, 0x18000), DMA and DMA32 configured but empty. */
    static BuddyAllocator oneSection() {
        List<PfnRange> mem = List.of(new PfnRange(0x10000, 0x18000));
        BuddyAllocator a = BuddyAllocator.create(List.of(ZoneSpec.empty(ZoneType.DMA), ZoneSpec.empty(ZoneType.DMA32),
            zone(ZoneType.NORMAL, 0x10000, 0x18000, mem), ZoneSpec.empty(ZoneType.MOVABLE)), mem);
        a.freeBootMemory(0x10000, 0x18000);
        return a;
    }
}
