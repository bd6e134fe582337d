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
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.osgi.service.component.annotations.Component;

/**
 * dma.core's part of boot: during the reserved-memory scan, claim non-reusable
 * {@code shared-dma-pool} regions ({@link CoherentPoolReservedMem}); at device_initcall time,
 * create the firmware's devices, configure them for DMA and publish the platform's
 * {@link DmaApi}.
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

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.DEVICES);
    }

    @Override
    public int rank(BootPhase phase) {
        return RANK;
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
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        RuntimeServices services = ctx.require(RuntimeServices.class);
        DmaEnv env = DmaEnv.of(ctx.require(ArchDma.class), ctx.require(KernelVm.class),
            ctx.require(PageAllocator.class), services, limits.zoneDmaLimit(),
            limits.configured(ZoneType.DMA), limits.configured(ZoneType.DMA32),
            ctx.memblock().endOfDram() >>> Page.PAGE_SHIFT,
            (int) ctx.spec().kconfig().number("CMA_ALIGNMENT"), ctx.memblock().memory(), ctx.log(),
            ctx.spec().kconfig().enabled("DMA_BOUNCE_UNALIGNED_KMALLOC"));
        DeviceFactory factory = new DeviceFactory(env, ctx.reservedMem(), ctx.deviceTree());
        DmaMapping api = new DmaMapping(env, factory);
        services.addRevoker(api);
        for (Device dev : factory.populate()) {
            if (!api.register(dev)) {
                // sysfs only refuses a name twice in one directory or on one bus; dmasim's registry
                // is one namespace, so an AMBA and a platform device of the same name cannot both live.
                ctx.log().dmasim(dev.ofPath().orElse(dev.name()) + ": " + dev.driverString() + " device " + dev.name()
                    + " is left out: dmasim needs device names unique across buses");
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
