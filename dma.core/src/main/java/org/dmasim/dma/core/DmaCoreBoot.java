package org.dmasim.dma.core;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.dma.core.debug.DebugRules;
import org.dmasim.dma.core.debug.DmaDebug;
import org.dmasim.dma.core.debug.KernelAreas;
import org.osgi.service.component.annotations.Component;

/**
 * dma.core's part of boot: during the reserved-memory scan, claim non-reusable
 * {@code shared-dma-pool} regions ({@link CoherentPoolReservedMem}); with CONFIG_DMA_API_DEBUG,
 * run DMA-API debugging's {@code __setup} handlers while the command line is parsed and
 * {@code dma_debug_init} at core_initcall time (before CMA activation, as {@code kernel/} links
 * before {@code mm/}); at device_initcall time, create the firmware's devices, configure them
 * for DMA and publish the platform's {@link DmaApi}.
 */
@Component(service = {BootParticipant.class, ReservedMemHandler.class},
    property = BootParticipant.BACKEND_PROPERTY + "=dma.core")
public final class DmaCoreBoot implements BootParticipant, ReservedMemHandler {
    /** Before the consumers of DmaApi in the same phase (dmapool). */
    public static final int RANK = 10;
    private final CoherentPoolReservedMem rmemDmaSetup = new CoherentPoolReservedMem();

    @Override
    public String name() {
        return "dma.core";
    }

    /**
     * DMA-API debugging prints a few things differently per kernel ({@link DebugRules}), and
     * dma-direct answers {@code dma_addressing_limited} differently ({@link DirectKernel}).
     */
    @Override
    public Set<KernelVersion> kernels() {
        Set<KernelVersion> both = new java.util.HashSet<>(DebugRules.kernels());
        both.retainAll(DirectKernel.kernels());
        return both;
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.CMDLINE, BootPhase.CMA_ACTIVATE, BootPhase.DEVICES);
    }

    @Override
    public int rank(BootPhase phase) {
        return switch (phase) {
            // __setup handlers: after the "Kernel command line:" notice and the early parameters,
            // before setup_log_buf (15).
            case CMDLINE -> 11;
            // core_initcall: dma_debug_init before cma_init_reserved_areas (-10).
            case CMA_ACTIVATE -> -20;
            default -> RANK;
        };
    }

    @Override
    public String compatible() {
        return rmemDmaSetup.compatible();
    }

    @Override
    public int rank() {
        return rmemDmaSetup.rank();
    }

    @Override
    public int init(ReservedMem rmem, BootContext ctx) {
        return rmemDmaSetup.init(rmem, ctx);
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        switch (phase) {
            case CMDLINE -> {
                if (ctx.spec().kconfig().enabled("DMA_API_DEBUG")) {
                    DmaDebug debug = new DmaDebug(DebugRules.of(ctx.spec().kernel()), ctx.log(),
                        ctx.spec().kconfig().enabled("DMA_API_DEBUG_SG"));
                    debug.setup(ctx.spec().cmdline());
                    ctx.put(DmaDebug.class, debug);
                }
            }
            case CMA_ACTIVATE -> ctx.get(DmaDebug.class).ifPresent(d -> d.init(kernelAreas(ctx),
                ctx.require(PageAllocator.class), ctx.require(MmRules.class).gfpAtomic()));
            default -> devices(ctx);
        }
    }

    /** The kernel's address kinds and task stacks, made once per boot. */
    private static KernelAreas kernelAreas(BootContext ctx) {
        return ctx.get(KernelAreas.class).orElseGet(() -> {
            KernelAreas a = new KernelAreas(ctx.spec().arch(), ctx.require(KernelVm.class), ctx.memblock().memory(),
                ctx.require(PageAllocator.class), ctx.spec().kconfig().enabled("VMAP_STACK"));
            ctx.put(KernelAreas.class, a);
            return a;
        });
    }

    private void devices(BootContext ctx) {
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        RuntimeServices services = ctx.require(RuntimeServices.class);
        DmaEnv env = DmaEnv.of(ctx.require(ArchDma.class), ctx.require(KernelVm.class),
            ctx.require(PageAllocator.class), services, limits.zoneDmaLimit(),
            limits.configured(ZoneType.DMA), limits.configured(ZoneType.DMA32),
            ctx.memblock().endOfDram() >>> Page.PAGE_SHIFT,
            (int) ctx.spec().kconfig().number("CMA_ALIGNMENT"), ctx.memblock().memory(), ctx.log(),
            ctx.spec().kconfig().enabled("DMA_BOUNCE_UNALIGNED_KMALLOC"), DirectKernel.of(ctx.spec().kernel()));
        DeviceFactory factory = new DeviceFactory(env, ctx.reservedMem(), ctx.deviceTree());
        DmaMapping api = new DmaMapping(env, factory, ctx.get(DmaDebug.class).orElse(null), kernelAreas(ctx),
            DebugRules.of(ctx.spec().kernel()));
        services.addRevoker(api);
        for (Device dev : factory.populate()) {
            if (!api.register(dev)) {
                // sysfs only refuses a name twice in one directory or on one bus; dmasim's registry
                // is one namespace, so an AMBA and a platform device of the same name cannot both live.
                ctx.log().dmasim(dev.ofPath().orElse(dev.name()) + ": " + dev.driverString() + " device " + dev.name()
                    + " is left out: dmasim needs device names unique across buses");
            }
        }
        for (DeviceSpec pci : factory.pciFunctions()) {
            try {
                api.createDevice(pci);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("device tree " + pci.hostBridge() + ": PCI"
                    + " function " + pci.name() + ": " + e.getMessage());
            }
        }
        ctx.put(DmaApi.class, api);
    }

    /**
     * The platform's DMA API serves it at run time as this bundle's {@link DmaApi}. dma.core owns the
     * platform's devices: it does not start late, so losing it re-boots the platform.
     */
    @Override
    public void start(RuntimeContext rt) {
        rt.get(DmaApi.class).ifPresent(api -> rt.offer(DmaApi.class, api,
            rt.newInstance("the DMA API (mapping.c, dma-direct)", () -> { })));
    }
}
