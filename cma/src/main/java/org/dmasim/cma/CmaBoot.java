package org.dmasim.cma;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.Kconfig;
import org.osgi.service.component.annotations.Component;

/**
 * CMA's part in boot, one registration for the boot participant and the {@code shared-dma-pool}
 * reusable handler. Needs CONFIG_CMA and CONFIG_DMA_CMA; without them {@code cma=} is not a
 * parameter this kernel knows and nothing here runs.
 * <ol>
 * <li>{@code parse_early_param()}: {@code early_cma()} ({@link CmaParams#earlyCma}) folds every
 *     {@code cma} of the command line into one published state.</li>
 * <li>RESERVED_MEM: the platform's {@link CmaAreas} registry; device-tree areas arrive through
 *     {@link #init} ({@link Contiguous#rmemCmaSetup}).</li>
 * <li>CONTIGUOUS: the default area ({@link Contiguous#reserve}).</li>
 * <li>CMA_ACTIVATE: every area to the page allocator ({@link CmaInit#initReservedAreas}).</li>
 * </ol>
 *
 * <p>For run time the registry stays published: every activated area allocates through the
 * platform's {@link PageAllocator}. A device-tree area is found by its {@code /reserved-memory}
 * node name ({@link CmaAreas#byName}), and it is also the {@link ReservedMem#owner()} of the
 * region it claimed, which is what a {@code memory-region} phandle leads to.
 */
@Component(service = {BootParticipant.class, ReservedMemHandler.class},
    property = BootParticipant.BACKEND_PROPERTY + "=cma")
public final class CmaBoot implements BootParticipant, ReservedMemHandler {
    static final String COMPATIBLE = "shared-dma-pool";

    @Override
    public String name() {
        return "cma";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.RESERVED_MEM, BootPhase.CONTIGUOUS, BootPhase.CMA_ACTIVATE);
    }

    @Override
    public int rank(BootPhase phase) {
        return -10;
    }

    /** {@code early_param("cma", early_cma)}: only a kernel built with CONFIG_DMA_CMA has it. */
    @Override
    public List<EarlyParam> earlyParams(Arch arch) {
        return List.of(EarlyParam.of("cma", (value, ctx) -> enabled(ctx.spec().kconfig())
            ? CmaParams.earlyCma(value, ctx) : 0));
    }

    /** The Reserved/Failed lines and MAX_CMA_AREAS differ ({@link CmaKernel}). */
    @Override
    public Set<org.dmasim.api.platform.KernelVersion> kernels() {
        return CmaKernel.kernels();
    }

    @Override
    public String compatible() {
        return COMPATIBLE;
    }

    @Override
    public int rank() {
        return 10;
    }

    private static boolean enabled(Kconfig k) {
        return k.enabled("CMA") && k.enabled("DMA_CMA");
    }

    /** The per-platform registry, created on first use and published for later phases. */
    private static CmaRegistry registry(BootContext ctx) {
        Optional<CmaAreas> r = ctx.get(CmaAreas.class);
        if (r.isPresent()) {
            return (CmaRegistry) r.get();
        }
        int max = CmaKernel.of(ctx.spec().kernel()).maxAreas(ctx.spec().kconfig());
        CmaRegistry reg = new CmaRegistry(max, new CmaGlobals(ctx.log()));
        ctx.put(CmaAreas.class, reg);
        return reg;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        if (!enabled(ctx.spec().kconfig())) {
            return;
        }
        switch (phase) {
            case RESERVED_MEM -> registry(ctx);
            case CONTIGUOUS -> Contiguous.reserve(registry(ctx), ctx, CmaParams.of(ctx));
            case CMA_ACTIVATE -> CmaInit.initReservedAreas(registry(ctx), ctx);
            default -> {
            }
        }
    }

    /**
     * The areas serve the platform as this bundle's {@link CmaAreas}. They are reservations the
     * boot made (the kernel cannot reserve CMA later), so an instance started on a running
     * platform adopts the same areas, bitmaps and all: new {@code cma_alloc} calls go through it,
     * while the old instance serves the releases of what it handed out. An instance gives no
     * memory back when released; the areas stay the platform's.
     */
    @Override
    public void start(RuntimeContext rt) {
        if (!enabled(rt.spec().kconfig())) {
            return;
        }
        rt.get(CmaAreas.class).ifPresent(areas -> rt.offer(CmaAreas.class, areas,
            rt.newInstance(describe(areas, rt.late()), () -> { })));
    }

    /** A new instance can take over the areas on a running platform. */
    @Override
    public boolean startsLate() {
        return true;
    }

    private static String describe(CmaAreas areas, boolean late) {
        java.util.List<String> each = new java.util.ArrayList<>();
        for (org.dmasim.api.cma.CmaArea a : areas.areas()) {
            each.add(a.name() + String.format(" (%d MiB at 0x%x)", (a.count() << 12) >>> 20, a.basePfn() << 12));
        }
        return each.isEmpty() ? "no CMA areas"
            : (late ? "the boot's CMA areas, adopted: " : "CMA areas: ") + String.join(", ", each);
    }

    /** {@code rmem_cma_setup}. */
    @Override
    public int init(ReservedMem rmem, BootContext ctx) {
        if (!enabled(ctx.spec().kconfig())) {
            return -Errno.ENOENT;
        }
        return Contiguous.rmemCmaSetup(registry(ctx), rmem, ctx, CmaParams.of(ctx));
    }
}
