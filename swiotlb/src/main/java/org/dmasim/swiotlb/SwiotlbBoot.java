package org.dmasim.swiotlb;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.boot.SwiotlbAllocated;
import org.dmasim.api.boot.SwiotlbSetup;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * swiotlb's part in boot: {@code swiotlb_init_remap()} from {@code mem_init()} and, on x86_64,
 * the late report or teardown in {@code pci_iommu_init()}. The code is the same in the modelled
 * kernels (6.1.y took the allocation retry of 6.2 as a stable fix); what differs between them is
 * what the architecture asks for ({@link SwiotlbSetup}).
 *
 * <p>The pool is {@code memblock_alloc_low()}'d: top-down, page aligned, below
 * {@code ARCH_LOW_ADDRESS_LIMIT}, which memblock treats as an exclusive end — hence the real
 * kernel's pool ending one page below 4 GiB when nothing else sits there. When that fails,
 * {@code swiotlb_memblock_alloc()} says so and the size is halved (in whole segments, with
 * fewer areas if need be) down to 1 MiB, the last try. Its slot array (24 bytes a slot) and
 * area array come from anywhere.
 *
 * <p>It is also the {@code restricted-dma-pool} reserved-memory handler
 * ({@link RestrictedPoolReservedMem}): one registration offering both, so a platform never boots
 * with swiotlb present but its handler not yet bound.
 *
 * <p>Its configuration ({@value LateSize#PID}, {@link SwiotlbConfiguration}) sizes the pools
 * made on a running platform ({@link LateSize}). An update changes this component's service
 * properties, and the platforms replace their swiotlb instance: the new pool takes new mappings,
 * the old one drains.
 */
@Component(service = {BootParticipant.class, ReservedMemHandler.class}, configurationPid = LateSize.PID,
    property = BootParticipant.BACKEND_PROPERTY + "=swiotlb")
@Designate(ocd = SwiotlbConfiguration.class)
public final class SwiotlbBoot implements BootParticipant, ReservedMemHandler {
    static final long SLOT_METADATA_BYTES = 24;
    static final long AREA_METADATA_BYTES = 16;
    /** IO_TLB_MIN_SLABS: 1 MiB, the smallest pool worth booting with. */
    static final long IO_TLB_MIN_SLABS = (1L << 20) >>> SwiotlbPool.IO_TLB_SHIFT;
    private final RestrictedPoolReservedMem rmemSwiotlbSetup = new RestrictedPoolReservedMem();
    private volatile LateSize lateSize;

    /** Late pools of the command line's size. */
    public SwiotlbBoot() {
        this(Map.of());
    }

    /**
     * @param configuration this backend's configuration ({@value LateSize#PID}): {@value LateSize#KEY}
     *     sizes the pools made on a running platform
     */
    @Activate
    public SwiotlbBoot(Map<String, Object> configuration) {
        modified(configuration);
    }

    /**
     * A new size for late pools. Under DS the service properties change with it and each platform
     * replaces its instance; without a framework, call the platform run time's {@code replace} next.
     */
    @Modified
    public void modified(Map<String, Object> configuration) {
        lateSize = LateSize.of(configuration);
    }

    @Override
    public String compatible() {
        return rmemSwiotlbSetup.compatible();
    }

    @Override
    public int rank() {
        return rmemSwiotlbSetup.rank();
    }

    @Override
    public int init(ReservedMem rmem, BootContext ctx) {
        return rmemSwiotlbSetup.init(rmem, ctx);
    }

    @Override
    public String name() {
        return "swiotlb";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return arch == Arch.X86_64 ? EnumSet.of(BootPhase.CMDLINE, BootPhase.SWIOTLB_INIT, BootPhase.PCI_IOMMU_INIT)
            : EnumSet.of(BootPhase.CMDLINE, BootPhase.SWIOTLB_INIT);
    }

    @Override
    public int rank(BootPhase phase) {
        // early_param parsing follows the "Kernel command line:" banner.
        return phase == BootPhase.CMDLINE ? 10 : 0;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        if (!ctx.spec().kconfig().enabled("SWIOTLB")) {
            return;
        }
        if (phase == BootPhase.CMDLINE) {
            ctx.put(SwiotlbParams.class, SwiotlbParams.parse(ctx.spec().cmdline(), ctx.log()));
            SwiotlbStatics.of(ctx);
        } else if (phase == BootPhase.SWIOTLB_INIT) {
            init(ctx);
        } else {
            pciIommuInit(ctx);
        }
    }

    private void init(BootContext ctx) {
        SwiotlbSetup setup = ctx.require(SwiotlbSetup.class);
        SwiotlbParams params = ctx.require(SwiotlbParams.class);
        boolean force = params.force;
        Swiotlb pool = Swiotlb.none(force);
        publish(ctx, pool);
        if (setup.adjustSize() > 0) {
            // mem_init(): swiotlb_adjust_size(min(swiotlb_size_or_default(), size))
            params.adjustSize(Math.min(params.sizeOrDefault(), setup.adjustSize()), ctx.log());
        }
        if (!setup.addressingLimit() && !force) {
            return;
        }
        if (params.noforce) {
            return;
        }
        if (params.nareas == 0) {
            params.adjustNareas(ctx.spec().possibleCpus(), ctx.log());
        }
        long nslabs = params.nslabs;
        int nareas = SwiotlbParams.limitNareas(params.nareas, nslabs);
        Memblock mb = ctx.memblock();
        long lowLimit = ctx.require(ZoneLimits.class).lowAddressLimit();
        long tlb;
        while ((tlb = mb.allocTryNid(Page.pageAlign(nslabs << SwiotlbPool.IO_TLB_SHIFT), Page.PAGE_SIZE, 0,
            lowLimit)) == 0) {
            ctx.log().warn("software IO TLB: swiotlb_memblock_alloc: Failed to allocate "
                + Page.pageAlign(nslabs << SwiotlbPool.IO_TLB_SHIFT) + " bytes tlb structure");
            if (nslabs <= IO_TLB_MIN_SLABS) {
                return;
            }
            nslabs = SwiotlbParams.align(nslabs >>> 1, SwiotlbParams.IO_TLB_SEGSIZE);
            nareas = SwiotlbParams.limitNareas(nareas, nslabs);
        }
        if (params.nslabs != nslabs) {
            ctx.log().info("software IO TLB: SWIOTLB bounce buffer size adjusted " + params.nslabs + " -> " + nslabs
                + " slabs");
            params.nslabs = nslabs;
        }
        long bytes = Page.pageAlign(nslabs << SwiotlbPool.IO_TLB_SHIFT);
        long slotBytes = Page.pageAlign(nslabs * SLOT_METADATA_BYTES);
        long slots = mb.allocTryNid(slotBytes, Page.PAGE_SIZE, 0, Memblock.ALLOC_ACCESSIBLE);
        long areaBytes = nareas * AREA_METADATA_BYTES;
        long areas = mb.allocTryNid(areaBytes, Memblock.SMP_CACHE_BYTES, 0, Memblock.ALLOC_ACCESSIBLE);
        java.util.List<Swiotlb.Taken> taken = new java.util.ArrayList<>();
        taken.add(new Swiotlb.Taken(tlb, bytes, true, -1));
        if (slots != 0) {
            taken.add(new Swiotlb.Taken(slots, slotBytes, true, -1));
        }
        if (areas != 0) {
            taken.add(new Swiotlb.Taken(areas, areaBytes, true, -1));
        }
        pool = new Swiotlb(tlb, nslabs, params.nareas, force, taken);
        publish(ctx, pool);
        if (setup.verbose()) {
            String info = pool.info();
            if (info == null) {
                ctx.log().warn("software IO TLB: No low mem"); // swiotlb_print_info() of a pool without slabs
            } else {
                ctx.log().info(info);
            }
        }
    }

    /** The pool for run time, and {@code is_swiotlb_allocated()} for the boot steps after this one. */
    private static void publish(BootContext ctx, Swiotlb pool) {
        ctx.put(Swiotlb.class, pool);
        ctx.put(SwiotlbAllocated.class, new SwiotlbAllocated(pool.nslabs()));
    }

    /**
     * The pool the boot made (or, on a running platform, one made from the page allocator as
     * {@code swiotlb_init_late} makes it) serves the platform as this bundle's {@link SwiotlbPool};
     * see {@link SwiotlbRuntime}.
     */
    @Override
    public void start(RuntimeContext ctx) {
        if (ctx.spec().kconfig().enabled("SWIOTLB")) {
            SwiotlbRuntime.start(ctx, lateSize);
        }
    }

    /** What the run-time pool shows differs per kernel (its debugfs, {@link SwiotlbKernel}). */
    @Override
    public Set<KernelVersion> kernels() {
        return SwiotlbKernel.kernels();
    }

    /** A new pool can be made on a running platform: the old one drains. */
    @Override
    public boolean startsLate() {
        return true;
    }

    /** x86 {@code pci_iommu_init()}: report a pool still wanted, else {@code swiotlb_exit()}. */
    private void pciIommuInit(BootContext ctx) {
        SwiotlbSetup setup = ctx.require(SwiotlbSetup.class);
        Swiotlb pool = ctx.require(Swiotlb.class);
        if (setup.lateReport() && setup.addressingLimit()) {
            ctx.log().info("PCI-DMA: Using software bounce buffering for IO (SWIOTLB)");
            String info = pool.info();
            if (info == null) {
                ctx.log().warn("software IO TLB: No low mem");
            } else {
                ctx.log().info(info);
            }
            return;
        }
        if (pool.forceBounce() || pool.nslabs() == 0) {
            return;
        }
        ctx.log().info("software IO TLB: tearing down default memory pool");
        ctx.get(PageAllocator.class).ifPresent(buddy -> {
            buddy.freeBootMemory(Page.pfnDown(pool.start()), Page.pfnDown(pool.end()));
        });
        publish(ctx, Swiotlb.none(false));
    }
}
