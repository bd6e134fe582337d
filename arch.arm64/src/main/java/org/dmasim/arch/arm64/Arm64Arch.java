package org.dmasim.arch.arm64;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.KernelVirtualLayout;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.SwiotlbSetup;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DmaRanges;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.MemoryRange;
import org.osgi.service.component.annotations.Component;

/**
 * The arm64 side of Linux's early boot ({@code setup_arch}, {@code arm64_memblock_init},
 * {@code paging_init}, {@code bootmem_init}, {@code zone_sizes_init}), as 6.1 does it; what 6.12
 * does differently (the DMA zone's limit, the swiotlb it always wants, the DMA cache alignment)
 * is {@link Arm64Kernel}'s.
 *
 * <p>RAM comes from the device tree's memory nodes (or {@code --mem}, {@link MemoryNodes}); the
 * kernel Image and the device-tree blob are reserved where the boot loader put them
 * ({@link KernelImage}); then the early allocations that sit at the top of RAM before the default
 * CMA area is placed (page tables, the unflattened tree, NODE_DATA, the sparse memmap) and those
 * that come after it (resources, command line copies, per-CPU areas, the log buffer), all
 * {@link EarlyAllocations}; they matter because CMA and swiotlb are placed top-down below them
 * when RAM ends below the DMA limit.
 */
@Component(service = {ArchSupport.class, BootParticipant.class},
    property = {BootParticipant.BACKEND_PROPERTY + "=arch.arm64", "dmasim.arch=arm64"})
public final class Arm64Arch implements ArchSupport {
    /** PHYS_MASK_SHIFT with 48-bit physical addresses. */
    static final int PHYS_MASK_SHIFT = 48;
    static final long U32_MAX = 0xffffffffL;

    // The kernel virtual layout of Debian's 6.1 arm64 kernel: CONFIG_ARM64_VA_BITS_48, 4 KiB
    // pages (arch/arm64/include/asm/memory.h and pgtable.h of 6.1). The linear map does not move
    // with KASLR off, which is what the simulated boots assume.
    static final int VA_BITS = 48;
    /** _PAGE_OFFSET(VA_BITS) = -(1 << VA_BITS): 0xffff000000000000. */
    static final long PAGE_OFFSET = -(1L << VA_BITS);
    /** MODULES_VADDR = _PAGE_END(VA_BITS_MIN) = -(1 << (VA_BITS - 1)); MODULES_VSIZE = SZ_128M in 6.1. */
    static final long MODULES_END = -(1L << (VA_BITS - 1)) + (128L << 20);
    /** VMALLOC_START = MODULES_END: 0xffff800008000000. */
    static final long VMALLOC_START = MODULES_END;
    /**
     * VMEMMAP_START = -(1 << (VA_BITS - VMEMMAP_SHIFT)), VMEMMAP_SHIFT = PAGE_SHIFT -
     * STRUCT_PAGE_MAX_SHIFT = 12 - 6: 0xfffffc0000000000.
     */
    static final long VMEMMAP_START = -(1L << (VA_BITS - (Page.PAGE_SHIFT - 6)));
    /** VMALLOC_END = VMEMMAP_START - SZ_256M: 0xfffffbfff0000000. */
    static final long VMALLOC_END = VMEMMAP_START - (256L << 20);
    /**
     * ARM64_MEMSTART_ALIGN: 1 << PUD_SHIFT (30) with 4 KiB pages, being larger than
     * SECTION_SIZE_BITS (27); memstart_addr is DRAM's start rounded down to it.
     */
    static final long ARM64_MEMSTART_ALIGN = 1L << 30;

    @Override
    public String name() {
        return "arch.arm64";
    }

    @Override
    public Arch arch() {
        return Arch.ARM64;
    }

    @Override
    public List<BootPhase> bootOrder() {
        return List.of(BootPhase.MEMBLOCK, BootPhase.RESERVED_MEM, BootPhase.EARLY_ALLOC, BootPhase.UNFLATTEN_DT,
            BootPhase.FREE_AREA_INIT, BootPhase.CONTIGUOUS, BootPhase.PERCPU, BootPhase.ZONELISTS,
            BootPhase.CMDLINE, BootPhase.SWIOTLB_INIT, BootPhase.FREE_ALL, BootPhase.CMA_ACTIVATE,
            BootPhase.ATOMIC_POOLS, BootPhase.IOMMU_SUBSYS, BootPhase.DEVICES, BootPhase.FREE_INITMEM);
    }

    /**
     * {@code memstart_addr = round_down(memblock_start_of_DRAM(), ARM64_MEMSTART_ALIGN)}
     * ({@code arm64_memblock_init}); {@code vmemmap = (struct page *)VMEMMAP_START -
     * (memstart_addr >> PAGE_SHIFT)}.
     */
    @Override
    public KernelVirtualLayout virtualLayout(long startOfDram) {
        long memstart = startOfDram & -ARM64_MEMSTART_ALIGN;
        return new KernelVirtualLayout(PAGE_OFFSET, memstart, VMALLOC_START, VMALLOC_END,
            VMEMMAP_START - (memstart >>> Page.PAGE_SHIFT) * Page.STRUCT_PAGE_SIZE);
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return arch == Arch.ARM64 ? EnumSet.of(BootPhase.MEMBLOCK, BootPhase.EARLY_ALLOC, BootPhase.UNFLATTEN_DT,
            BootPhase.FREE_AREA_INIT, BootPhase.PERCPU, BootPhase.CMDLINE, BootPhase.FREE_INITMEM)
            : EnumSet.noneOf(BootPhase.class);
    }

    /** Zone limits, the swiotlb request and the DMA cache alignment differ ({@link Arm64Kernel}). */
    @Override
    public Set<org.dmasim.api.platform.KernelVersion> kernels() {
        return Arm64Kernel.kernels();
    }

    @Override
    public int rank(BootPhase phase) {
        // setup_log_buf() follows the "Kernel command line:" banner and the early parameters
        // (swiotlb's at 10) and precedes the VFS hash tables (20); unflatten_device_tree() sets
        // up 6.12's static reserved-memory regions (the platform's, at -10) before it allocates.
        return switch (phase) {
            case CMDLINE -> 15;
            case UNFLATTEN_DT -> 0;
            default -> -100;
        };
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        switch (phase) {
            case MEMBLOCK -> {
                // The DMA hooks act on the CPU cache the platform publishes with the RAM (FREE_AREA_INIT).
                ctx.put(org.dmasim.api.dma.ArchDma.class,
                    new Arm64Dma(Arm64Kernel.of(ctx.spec().kernel()),
                        () -> ctx.require(org.dmasim.api.mem.CpuCache.class)));
                memblockInit(ctx);
            }
            case EARLY_ALLOC -> {
                ctx.memblock().allowResize(); // paging_init() ends with memblock_allow_resize()
                EarlyAllocations.pagingInit(ctx, ctx.require(KernelImage.class));
            }
            case UNFLATTEN_DT -> EarlyAllocations.unflattenDeviceTree(ctx);
            case FREE_AREA_INIT -> {
                // bootmem_init(): NUMA and the sparse memmap, then zone_sizes_init()'s limits
                EarlyAllocations.bootmemInit(ctx);
                ZoneLimits limits = zoneLimits(ctx);
                ctx.put(ZoneLimits.class, limits);
                ctx.put(SwiotlbSetup.class, swiotlbSetup(ctx, limits));
            }
            case PERCPU -> EarlyAllocations.afterContiguous(ctx);
            case CMDLINE -> LogBuf.run(ctx);
            // The image where MEMBLOCK put it: memblock may start elsewhere by now (mem=, removed banks).
            case FREE_INITMEM -> ctx.require(KernelImage.class).freeInitmem(ctx);
            default -> {
            }
        }
    }

    /** The arm64 early parameters this backend models: {@code mem=} ({@link EarlyMem}). */
    @Override
    public List<org.dmasim.api.boot.EarlyParam> earlyParams(Arch arch) {
        return arch == Arch.ARM64 ? List.of(EarlyMem.handler()) : List.of();
    }

    /** DT memory nodes (or --mem banks) into memblock, then {@code arm64_memblock_init()}. */
    private void memblockInit(BootContext ctx) {
        Memblock mb = ctx.memblock();
        List<MemoryRange> banks = ctx.spec().memOverride();
        if (banks.isEmpty()) {
            List<MemoryNodes.Placeholder> placeholders = new ArrayList<>();
            banks = MemoryNodes.scan(ctx, placeholders);
            if (banks.isEmpty()) {
                throw MemoryNodes.noRam(ctx.deviceTree(), placeholders);
            }
        }
        for (MemoryRange bank : banks) {
            addMemory(ctx, bank.base(), bank.size());
        }
        mb.removeMemory(1L << PHYS_MASK_SHIFT, -1L - (1L << PHYS_MASK_SHIFT));
        if (mb.memory().isEmpty()) {
            throw new InvalidInputException("memory: no RAM below the 48-bit physical address limit");
        }
        KernelImage image = KernelImage.place(mb, ctx.spec().loader(), ctx.deviceTree(), ctx.log());
        ctx.put(KernelImage.class, image);
        image.reserveDtb(mb); // setup_machine_fdt()
        ctx.parseEarlyParams(); // setup_arch(): after setup_machine_fdt(), before arm64_memblock_init()
        Optional<String> mem = ctx.spec().cmdline().value("mem");
        Optional<EarlyMem> limit = ctx.get(EarlyMem.class);
        if (limit.isPresent()) {
            mb.capMemory(limit.get().limit()); // memblock_mem_limit_remove_map: a limit of 0 keeps everything
            mb.addMemory(image.base(), KernelImage.IMAGE_SIZE);
        }
        image.checkFits(mb, mem.orElse(null), ctx.spec().loader());
        image.reserve(mb);
    }

    /** {@code early_init_dt_add_memory_arch}: page-trims each bank; tiny ones are ignored. */
    private static void addMemory(BootContext ctx, long base, long size) {
        long pageMask = Page.PAGE_SIZE - 1;
        if (Long.compareUnsigned(size, Page.PAGE_SIZE - (base & pageMask)) < 0) {
            ctx.log().warn(String.format("OF: fdt: Ignoring memory block 0x%x - 0x%x", base, base + size));
            return;
        }
        if ((base & pageMask) != 0) {
            size -= Page.PAGE_SIZE - (base & pageMask);
            base = (base + pageMask) & ~pageMask;
        }
        size &= ~pageMask;
        ctx.memblock().addMemory(base, size);
    }

    /** {@code early_init_dt_scan_memory}: the banks of the tree's memory nodes ({@link MemoryNodes}). */
    static List<MemoryRange> dtMemory(BootContext ctx) {
        return MemoryNodes.scan(ctx, new ArrayList<>());
    }

    /**
     * {@code zone_sizes_init()} plus the limits the DMA code derives from it, by the rules of
     * the platform's kernel ({@link Arm64Kernel#dmaZone}).
     */
    static ZoneLimits zoneLimits(BootContext ctx) {
        Arm64Kernel rules = Arm64Kernel.of(ctx.spec().kernel());
        Memblock mb = ctx.memblock();
        var kconfig = ctx.spec().kconfig();
        boolean zoneDma = kconfig.enabled("ZONE_DMA");
        boolean zoneDma32 = kconfig.enabled("ZONE_DMA32");
        long maxPfn = Page.pfnDown(mb.endOfDram());
        long dma32Limit = rules.dma32Limit(mb);
        int zoneDmaBits = 24;
        long zoneDmaLimit = (1L << 24) - 1;
        long dmaLimit = 0;
        long[] maxZonePfn = new long[ZoneType.values().length];
        if (zoneDma) {
            long dtMax = ctx.deviceTree().map(t -> DmaRanges.maxCpuAddress(t.root())).orElse(DmaRanges.PHYS_ADDR_MAX);
            Arm64Kernel.DmaZone dma = rules.dmaZone(mb, dtMax);
            zoneDmaBits = dma.zoneDmaBits();
            zoneDmaLimit = dma.zoneDmaLimit();
            dmaLimit = dma.physLimit();
            maxZonePfn[ZoneType.DMA.ordinal()] = Page.pfnDown(dmaLimit);
        }
        if (zoneDma32) {
            maxZonePfn[ZoneType.DMA32.ordinal()] = Page.pfnDown(dma32Limit);
            if (dmaLimit == 0) {
                dmaLimit = dma32Limit;
            }
        }
        if (!zoneDma && !zoneDma32) {
            dmaLimit = 1L << PHYS_MASK_SHIFT;
        }
        maxZonePfn[ZoneType.NORMAL.ordinal()] = maxPfn;
        boolean[] configured = new boolean[ZoneType.values().length];
        configured[ZoneType.DMA.ordinal()] = zoneDma;
        configured[ZoneType.DMA32.ordinal()] = zoneDma32;
        configured[ZoneType.NORMAL.ordinal()] = true;
        configured[ZoneType.MOVABLE.ordinal()] = true;
        configured[ZoneType.DEVICE.ordinal()] = kconfig.enabled("ZONE_DEVICE");
        return new ZoneLimits(maxZonePfn, configured, zoneDmaBits, dmaLimit, dmaLimit, dmaLimit - 1, zoneDmaLimit);
    }

    /**
     * {@code mem_init()}'s swiotlb request: {@code swiotlb_init(max_pfn > PFN_DOWN(arm64_dma_phys_limit),
     * SWIOTLB_VERBOSE)}, and from 6.12 on the kmalloc-bouncing pool ({@link Arm64Kernel#swiotlbAdjustSize}).
     */
    static SwiotlbSetup swiotlbSetup(BootContext ctx, ZoneLimits limits) {
        Arm64Kernel rules = Arm64Kernel.of(ctx.spec().kernel());
        boolean beyond = Page.pfnDown(ctx.memblock().endOfDram()) > Page.pfnDown(limits.dmaPhysLimit());
        var kconfig = ctx.spec().kconfig();
        return new SwiotlbSetup(rules.swiotlbWanted(kconfig, beyond), true, false, false,
            rules.swiotlbAdjustSize(ctx.memblock(), kconfig, beyond));
    }
}
