package org.dmasim.swiotlb;

import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * swiotlb's run-time instances: the boot pool, a pool made on a running platform, and giving a
 * pool's memory back when its instance is released.
 *
 * <p>A pool made late follows {@code swiotlb_init_late(size, gfp, NULL)} (6.1): the size is the
 * swiotlb backend's configured {@code late.size} ({@link LateSize}), else the command line's
 * ({@code swiotlb=} or 64 MiB), rounded to whole segments; the pool is one block
 * from the page allocator, {@code order = get_order(nslabs << IO_TLB_SHIFT)}, tried with
 * __GFP_NOWARN and one order smaller after each failure while the block still holds more than
 * IO_TLB_MIN_SLABS (512) slots, so a 64 MiB request ends as a 4 MiB pool (order 10, the largest
 * block 6.1 hands out) with {@code only able to allocate 4 MB}; then the area array and the slot
 * array ({@code __get_free_pages(GFP_KERNEL | __GFP_ZERO)}, 16 and 24 bytes a piece) and the
 * {@code software IO TLB: mapped} line. The GFP zone is the one 32-bit devices reach (DMA32 when
 * the kernel has a populated DMA32 zone, else DMA): the pool exists for them. A platform that
 * booted without a pool (no addressing limit, {@code swiotlb=noforce}, or torn down by x86's
 * {@code pci_iommu_init}) gets none late either.
 *
 * <p>Release gives back what the pool took: memblock memory with {@code memblock_free_late} (as
 * {@code swiotlb_exit} does), buddy blocks with {@code free_pages}.
 */
final class SwiotlbRuntime {
    /** IO_TLB_MIN_SLABS: 1 MiB. */
    static final long IO_TLB_MIN_SLABS = (1L << 20) >>> SwiotlbPool.IO_TLB_SHIFT;
    /** SLABS_PER_PAGE. */
    static final long SLABS_PER_PAGE = Page.PAGE_SIZE >>> SwiotlbPool.IO_TLB_SHIFT;

    private SwiotlbRuntime() {
    }

    /**
     * Starts the platform's swiotlb instance and offers its pool: the slots of the pool the boot
     * (or {@code swiotlb_init_late}) placed, copying through the CPU's view of memory.
     */
    static void start(RuntimeContext rt, LateSize lateSize) {
        Swiotlb boot = rt.get(Swiotlb.class).orElse(null);
        if (boot == null) {
            return; // swiotlb was not part of this kernel's boot (CONFIG_SWIOTLB=n)
        }
        Swiotlb pool = rt.late() ? late(rt, boot, lateSize) : boot;
        PageAllocator buddy = rt.require(PageAllocator.class);
        SwiotlbStatics statics = rt.get(SwiotlbStatics.class).orElseGet(() -> new SwiotlbStatics(SwiotlbKernel.of(rt.spec().kernel())));
        IoTlbMem mem = new IoTlbMem("swiotlb", pool.start(), pool.nslabs(), pool.nareas(), pool.forceBounce(),
            rt.require(PhysMemory.class), rt.log(), statics);
        BackendLifecycle instance = rt.newInstance(pool.description(), () -> release(pool, buddy, rt.log()));
        rt.offer(SwiotlbPool.class, mem, instance);
    }

    /**
     * {@code swiotlb_init_late}, or no pool when the boot kept none.
     *
     * @throws org.dmasim.api.platform.InvalidInputException when the configured size is one
     *     {@code swiotlb_init_late} always fails on; nothing is allocated
     */
    static Swiotlb late(RuntimeContext rt, Swiotlb boot, LateSize lateSize) {
        if (boot.nslabs() == 0) {
            return Swiotlb.none(boot.forceBounce());
        }
        SwiotlbParams params = rt.require(SwiotlbParams.class);
        PageAllocator buddy = rt.require(PageAllocator.class);
        BootLog log = rt.log();
        long nslabs = lateSize.nslabs().orElse(SwiotlbParams.align(params.nslabs, SwiotlbParams.IO_TLB_SEGSIZE));
        int order = LateSize.order(nslabs);
        nslabs = SLABS_PER_PAGE << order;
        int gfp = Gfp.GFP_KERNEL | lowZone(rt);
        boolean retried = false;
        long pfn = PageAllocator.NO_PAGE;
        while ((SLABS_PER_PAGE << order) > IO_TLB_MIN_SLABS) {
            pfn = buddy.allocPages(gfp | Gfp.__GFP_NOWARN, order);
            if (pfn != PageAllocator.NO_PAGE) {
                break;
            }
            order--;
            nslabs = SLABS_PER_PAGE << order;
            retried = true;
        }
        if (pfn == PageAllocator.NO_PAGE) {
            log.dmasim("software IO TLB: swiotlb_init_late: no block of more than " + IO_TLB_MIN_SLABS
                + " slots is free (-ENOMEM); the new instance has no bounce pool");
            return Swiotlb.none(boot.forceBounce());
        }
        if (retried) {
            log.warn("software IO TLB: only able to allocate " + ((Page.PAGE_SIZE << order) >> 20) + " MB");
        }
        int nareas = params.nareas == 0 ? 1 : params.nareas;
        int areaOrder = Page.getOrder(nareas * SwiotlbBoot.AREA_METADATA_BYTES);
        int slotOrder = Page.getOrder(nslabs * SwiotlbBoot.SLOT_METADATA_BYTES);
        long areas = buddy.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, areaOrder);
        long slots = areas == PageAllocator.NO_PAGE ? PageAllocator.NO_PAGE
            : buddy.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, slotOrder);
        if (slots == PageAllocator.NO_PAGE) {
            if (areas != PageAllocator.NO_PAGE) {
                buddy.freePages(areas, areaOrder);
            }
            buddy.freePages(pfn, order);
            log.dmasim("software IO TLB: swiotlb_init_late: no memory for the slot or area array (-ENOMEM);"
                + " the new instance has no bounce pool");
            return Swiotlb.none(boot.forceBounce());
        }
        Swiotlb pool = new Swiotlb(Page.pfnPhys(pfn), nslabs, nareas, boot.forceBounce(), java.util.List.of(
            new Swiotlb.Taken(Page.pfnPhys(pfn), Page.PAGE_SIZE << order, false, order),
            new Swiotlb.Taken(Page.pfnPhys(areas), Page.PAGE_SIZE << areaOrder, false, areaOrder),
            new Swiotlb.Taken(Page.pfnPhys(slots), Page.PAGE_SIZE << slotOrder, false, slotOrder)));
        log.info(pool.info());
        return pool;
    }

    /** The zone modifier of the memory 32-bit devices reach. */
    private static int lowZone(RuntimeContext rt) {
        ZoneLimits limits = rt.require(ZoneLimits.class);
        PageAllocator buddy = rt.require(PageAllocator.class);
        boolean dma32 = limits.configured(ZoneType.DMA32) && buddy.zones().stream()
            .anyMatch(z -> z.name.equals(ZoneType.DMA32.kernelName()) && z.managed > 0);
        if (dma32) {
            return Gfp.GFP_DMA32;
        }
        return limits.configured(ZoneType.DMA) ? Gfp.GFP_DMA : 0;
    }

    /** Gives the pool's memory back: its instance holds nothing any more. */
    static void release(Swiotlb pool, PageAllocator buddy, BootLog log) {
        for (Swiotlb.Taken t : pool.taken()) {
            if (t.boot()) {
                long first = Page.pfnUp(t.phys());
                long end = Page.pfnDown(t.phys() + t.bytes());
                if (first < end) {
                    buddy.freeBootMemory(first, end);
                }
            } else {
                buddy.freePages(Page.pfnDown(t.phys()), t.order());
            }
        }
        if (pool.nslabs() > 0) {
            log.dmasim(String.format("software IO TLB: pool [mem 0x%016x-0x%016x] released: %d bytes back to the"
                + " page allocator", pool.start(), pool.end(), pool.taken().stream().mapToLong(Swiotlb.Taken::bytes)
                .sum()));
        }
    }
}
