package org.dmasim.arch.x86;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.DmaReserve;
import org.dmasim.api.boot.KernelVirtualLayout;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.SwiotlbSetup;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.MemoryRange;
import org.osgi.service.component.annotations.Component;

/**
 * The x86_64 side of Linux 6.1's early boot ({@code setup_arch}): the e820 map is edited
 * ({@code mem=}, page 0 reserved, the legacy BIOS hole removed), handed to memblock with
 * partial pages trimmed, the first MiB and the kernel reserved (loaded at 16 MiB, as with
 * {@code nokaslr}); the default CMA area comes before paging_init sizes the zones; swiotlb is
 * wanted when RAM reaches above 4 GiB ({@code pci_swiotlb_detect}) and reports late.
 */
@Component(service = {ArchSupport.class, BootParticipant.class},
    property = {BootParticipant.BACKEND_PROPERTY + "=arch.x86", "dmasim.arch=x86_64"})
public final class X86Arch implements ArchSupport {
    static final long MAX_DMA_PFN = (16L << 20) >>> Page.PAGE_SHIFT;
    static final long MAX_DMA32_PFN = (4L << 30) >>> Page.PAGE_SHIFT;
    static final long KERNEL_BASE = 16L << 20;
    /** _text.._end plus early firmware reservations, calibrated on the oracle's Memory: lines. */
    static final long KERNEL_SIZE = 0x3442000L;
    static final long SZ_1M = 1L << 20;

    // The kernel virtual layout of Debian's 6.1 amd64 kernel with 4-level paging and nokaslr
    // (arch/x86/include/asm/page_64_types.h and pgtable_64_types.h of 6.1): with KASLR the
    // three bases below would be randomised, which is why the oracle boots carry nokaslr.
    /** __PAGE_OFFSET_BASE_L4. */
    static final long PAGE_OFFSET = 0xffff888000000000L;
    /** __VMALLOC_BASE_L4. */
    static final long VMALLOC_START = 0xffffc90000000000L;
    /** VMALLOC_START + (VMALLOC_SIZE_TB_L4 = 32 TiB) - 1: the header's end is inclusive. */
    static final long VMALLOC_END = VMALLOC_START + (32L << 40) - 1;
    /** __VMEMMAP_BASE_L4: vmemmap starts at pfn 0. */
    static final long VMEMMAP_START = 0xffffea0000000000L;

    @Override
    public String name() {
        return "arch.x86";
    }

    @Override
    public Arch arch() {
        return Arch.X86_64;
    }

    @Override
    public List<BootPhase> bootOrder() {
        return List.of(BootPhase.MEMBLOCK, BootPhase.CONTIGUOUS, BootPhase.EARLY_ALLOC,
            BootPhase.FREE_AREA_INIT, BootPhase.PERCPU, BootPhase.ZONELISTS, BootPhase.CMDLINE,
            BootPhase.SWIOTLB_INIT, BootPhase.FREE_ALL, BootPhase.CMA_ACTIVATE, BootPhase.ATOMIC_POOLS,
            BootPhase.IOMMU_SUBSYS, BootPhase.PCI_IOMMU_INIT, BootPhase.DEVICES, BootPhase.FREE_INITMEM);
    }

    /** The linear map starts at physical 0 whatever the RAM layout ({@code __va(p) = p + PAGE_OFFSET}). */
    @Override
    public KernelVirtualLayout virtualLayout(long startOfDram) {
        return new KernelVirtualLayout(PAGE_OFFSET, 0, VMALLOC_START, VMALLOC_END, VMEMMAP_START);
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return arch == Arch.X86_64 ? EnumSet.of(BootPhase.MEMBLOCK, BootPhase.EARLY_ALLOC, BootPhase.PERCPU,
            BootPhase.FREE_INITMEM)
            : EnumSet.noneOf(BootPhase.class);
    }

    @Override
    public int rank(BootPhase phase) {
        return -100;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        switch (phase) {
            case MEMBLOCK -> {
                ctx.put(org.dmasim.api.dma.ArchDma.class, new X86Dma());
                memblockSetup(ctx);
            }
            case EARLY_ALLOC -> {
                ctx.put(DmaReserve.class, new DmaReserve(dmaReserve(ctx.memblock())));
                EarlyAllocations.beforeZones(ctx);
            }
            case PERCPU -> EarlyAllocations.afterZones(ctx);
            case FREE_INITMEM -> freeInitmem(ctx);
            default -> {
            }
        }
    }

    private void memblockSetup(BootContext ctx) {
        List<E820Entry> entries = new ArrayList<>(ctx.spec().e820());
        List<MemoryRange> banks = ctx.spec().memOverride();
        if (!banks.isEmpty()) {
            entries.removeIf(e -> e.type() == E820Entry.Type.USABLE);
            for (MemoryRange b : banks) {
                entries.add(new E820Entry(b.base(), b.end() - 1, E820Entry.Type.USABLE));
            }
        }
        // e820__memory_setup(): the firmware map, bounded and sanitized, then printed.
        E820Table e820 = E820Table.firmware(entries, ctx.log());
        ctx.log().info("BIOS-provided physical RAM map:");
        e820.print("BIOS-e820");
        E820Params params = new E820Params(e820);
        ctx.put(E820Params.class, params);
        ctx.parseEarlyParams();
        params.finish(ctx);
        if (e820.entries().stream().noneMatch(e -> e.type() == E820Table.RAM && e.size() != 0)) {
            throw new InvalidInputException("e820: no usable RAM" + (ctx.spec().cmdline().has("memmap")
                ? " left after memmap=" : "") + " (give an e820 map with --e820 FILE or banks with --mem)");
        }
        addKernelRange(ctx, e820);
        // trim_bios_range(): page 0 belongs to the BIOS, 640K-1M is the legacy hole.
        e820.rangeUpdate(0, Page.PAGE_SIZE, E820Table.RAM, E820Table.RESERVED);
        e820.rangeRemove(0xa0000L, 0x100000L - 0xa0000L, E820Table.RAM, true);
        e820.updateTable();

        // e820__memblock_setup(): EFI may pass more entries than the 128 initial memblock slots.
        Memblock mb = ctx.memblock();
        mb.allowResize();
        for (E820Table.Entry r : e820.entries()) {
            if (r.type() == E820Table.RAM || r.type() == E820Table.RESERVED_KERN) {
                mb.addMemory(r.addr(), r.size());
            }
        }
        trimMemory(mb);
        long maxPfn = e820.endOfRamPfn();
        KernelCmdline cmd = ctx.spec().cmdline();
        List<String> shaping = new ArrayList<>();
        for (KernelCmdline.Param p : cmd.params()) {
            if (p.name().equals("mem") || p.name().equals("memmap")) {
                shaping.add(p.value() == null ? p.name() : p.name() + "=" + p.value());
            }
        }
        String limitedBy = shaping.isEmpty() ? "e820" : String.join(" ", shaping);
        if (Long.compareUnsigned(mb.endOfDram(), KERNEL_BASE + KERNEL_SIZE + (64L << 20)) < 0) {
            throw new InvalidInputException(String.format("%s: RAM ends at %#x, below what the kernel needs: its image"
                + " at %#x (%d MiB, nokaslr) plus early allocations (at least %d MiB of RAM); Linux would not boot",
                limitedBy, mb.endOfDram(), KERNEL_BASE, KERNEL_SIZE >>> 20,
                (KERNEL_BASE + KERNEL_SIZE + (64L << 20)) >>> 20));
        }
        mb.reserve(0, SZ_1M);
        mb.reserve(KERNEL_BASE, KERNEL_SIZE);
        ctx.put(ZoneLimits.class, zoneLimits(ctx, maxPfn));
        // pci_iommu_alloc() -> pci_swiotlb_detect(): swiotlb unless iommu=off, on when RAM
        // reaches above 4 GiB or iommu=soft forces it.
        IommuSetup iommu = ctx.get(IommuSetup.class).orElseGet(IommuSetup::new);
        boolean iommuOff = iommu.noIommu();
        boolean soft = iommu.forceSwiotlb();
        boolean enable = (!iommuOff && maxPfn > MAX_DMA32_PFN) || soft;
        ctx.put(SwiotlbSetup.class, new SwiotlbSetup(enable, false, true, iommuOff));
    }

    /**
     * {@code e820_add_kernel_range()}: the kernel's text, data and bss must be RAM in the table;
     * when firmware or {@code memmap=} says otherwise the kernel warns and marks the range usable
     * again ("we will crash later anyways" if it really is not RAM). dmasim names the entries
     * that covered it, since that is what the user has to change.
     */
    private static void addKernelRange(BootContext ctx, E820Table e820) {
        long start = KERNEL_BASE;
        long end = KERNEL_BASE + KERNEL_SIZE;
        if (e820.mappedAll(start, end, E820Table.RAM)) {
            return;
        }
        List<E820Table.Entry> culprits = e820.overlapsOtherThan(start, end, E820Table.RAM);
        ctx.log().warn(".text .data and .bss are not marked as E820_TYPE_RAM!");
        ctx.log().dmasim(String.format("the kernel image [mem %#018x-%#018x] (loaded at 16 MiB, nokaslr) lies in %s;"
            + " Linux marks that range usable again and boots on", start, end - 1, culprits.isEmpty()
            ? "a hole of the e820 map" : culprits.stream().map(E820Table::describe)
                .reduce((a, b) -> a + ", " + b).orElse("")));
        e820.rangeRemove(start, end - start, 0, false);
        e820.rangeAdd(start, end - start, E820Table.RAM);
    }

    /**
     * The x86 early parameters this backend models: {@code mem=} and {@code memmap=} (see
     * {@link E820Params}), and the swiotlb side of {@code iommu=} ({@link IommuSetup}).
     */
    @Override
    public List<org.dmasim.api.boot.EarlyParam> earlyParams(Arch arch) {
        if (arch != Arch.X86_64) {
            return List.of();
        }
        List<org.dmasim.api.boot.EarlyParam> out = new ArrayList<>(E820Params.handlers());
        out.add(IommuSetup.handler());
        return out;
    }

    /**
     * {@code free_initmem()} and {@code mark_rodata_ro()} of Debian's 6.1 amd64 image: the
     * init sections and the alignment gaps between text, rodata and data are freed, in the
     * order and sizes the real kernel prints them. Offsets are inside the reserved image.
     */
    private static void freeInitmem(BootContext ctx) {
        ctx.get(org.dmasim.api.mm.PageAllocator.class).ifPresent(buddy -> {
            long[][] areas = {{0x2c00000L, 2036}, {0x2e00000L, 2824}, {0x1600000L, 2040}, {0x2800000L, 1108},
                {0x3400000L, 36}};
            String[] names = {"unused decrypted", "unused kernel image (initmem)", "unused kernel image (text/rodata gap)",
                "unused kernel image (rodata/data gap)", "unused kernel image (bss gap)"};
            for (int i = 0; i < areas.length; i++) {
                long start = (KERNEL_BASE + areas[i][0]) >>> Page.PAGE_SHIFT;
                buddy.freeBootMemory(start, start + (areas[i][1] >>> 2));
                ctx.log().info("Freeing " + names[i] + " memory: " + areas[i][1] + "K");
            }
        });
    }

    /** {@code memblock_trim_memory(PAGE_SIZE)}. */
    private static void trimMemory(Memblock mb) {
        for (Memblock.Region r : mb.memory()) {
            long s = Page.pageAlign(r.base());
            long e = r.end() & -Page.PAGE_SIZE;
            if (s != r.base()) {
                mb.removeMemory(r.base(), Math.min(s, r.end()) - r.base());
            }
            if (e != r.end() && e >= s) {
                mb.removeMemory(e, r.end() - e);
            }
            if (e < s) {
                mb.removeMemory(r.base(), r.size());
            }
        }
    }

    static ZoneLimits zoneLimits(BootContext ctx, long maxPfn) {
        var k = ctx.spec().kconfig();
        long[] max = new long[ZoneType.values().length];
        boolean[] configured = new boolean[ZoneType.values().length];
        configured[ZoneType.DMA.ordinal()] = k.enabled("ZONE_DMA");
        configured[ZoneType.DMA32.ordinal()] = k.enabled("ZONE_DMA32");
        configured[ZoneType.NORMAL.ordinal()] = true;
        configured[ZoneType.MOVABLE.ordinal()] = true;
        configured[ZoneType.DEVICE.ordinal()] = k.enabled("ZONE_DEVICE");
        max[ZoneType.DMA.ordinal()] = Math.min(MAX_DMA_PFN, maxPfn);
        max[ZoneType.DMA32.ordinal()] = Math.min(MAX_DMA32_PFN, maxPfn);
        max[ZoneType.NORMAL.ordinal()] = maxPfn;
        long phys = Page.pfnPhys(maxPfn);
        return new ZoneLimits(max, configured, 24, 16L << 20, phys, 0xffffffffL);
    }

    /** {@code memblock_find_dma_reserve()}: memory pages below 16 MiB that are not free. */
    static long dmaReserve(Memblock mb) {
        long pages = 0;
        for (Memblock.Region r : mb.memory()) {
            long s = Math.min(Page.pfnUp(r.base()), MAX_DMA_PFN);
            long e = Math.min(Page.pfnDown(r.end()), MAX_DMA_PFN);
            pages += e - s;
        }
        long free = 0;
        for (Memblock.Region r : mb.freeRanges()) {
            long s = Math.min(Page.pfnUp(r.base()), MAX_DMA_PFN);
            long e = Math.min(Page.pfnDown(r.end()), MAX_DMA_PFN);
            if (s < e) {
                free += e - s;
            }
        }
        return pages - free;
    }
}
