package org.dmasim.iommu.smmu;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuDefaults;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Kstrtobool;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.iommu.core.IommuCore;
import org.dmasim.iommu.core.IommuDriver;
import org.dmasim.iommu.dma.DmaIommuKernel;
import org.dmasim.iommu.dma.IommuDmaOps;
import org.dmasim.iommu.pgtable.DescriptorPages;
import org.dmasim.iommu.smmu.hw.SmmuHw;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code iommu.smmu} backend: on an arm64 platform whose device tree has Arm SMMUv3 nodes,
 * probes each ({@code arm_smmu_device_probe}, device_initcall time, so its lines come after the
 * devices' creation), then, as {@code iommu_device_register} does, every device the firmware
 * puts behind it: groups, default domains, dma-iommu as their DMA ops.
 *
 * <p>The backend starts late: started in a running platform it probes the SMMUs afresh and the
 * devices move to translated DMA (what they mapped before keeps working through dma-direct
 * until unmapped); stopped, dma.core sends new work to dma-direct at once, the IOMMU's mappings
 * drain on their domains, and when the last is gone the devices leave the SMMU (their streams
 * abort) and every page table, stream table and queue goes back to the page allocator.
 *
 * <p>Parameters: {@code iommu.forcedac=} (dma-iommu's early parameter: no 32-bit-first rule for
 * PCI devices) and {@code arm_smmu_v3.disable_bypass=} (the driver's module parameter: streams
 * without a domain bypass instead of abort).
 */
@Component(service = BootParticipant.class, property = BootParticipant.BACKEND_PROPERTY + "=" + SmmuBoot.NAME)
public final class SmmuBoot implements BootParticipant {
    static final String NAME = "iommu.smmu";
    /** After dma.core (10), which publishes the devices, and dmapool (20). */
    static final int RANK = 30;
    static final String COMPATIBLE = "arm,smmu-v3";

    /** What the boot probed, for start() to take over. */
    record Probed(List<SmmuDriver> drivers, IommuCore core, IommuDmaOps ops) {
    }

    /** {@code iommu_dma_forcedac}, as the early parameter set it. */
    record ForceDac(boolean value) {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** dma-iommu's rules differ between the kernels ({@link DmaIommuKernel}). */
    @Override
    public Set<org.dmasim.api.platform.KernelVersion> kernels() {
        return DmaIommuKernel.kernels();
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return arch == Arch.ARM64 ? EnumSet.of(BootPhase.DEVICES) : EnumSet.noneOf(BootPhase.class);
    }

    @Override
    public int rank(BootPhase phase) {
        return RANK;
    }

    @Override
    public List<EarlyParam> earlyParams(Arch arch) {
        if (arch != Arch.ARM64) {
            return List.of();
        }
        return List.of(EarlyParam.of("iommu.forcedac", (value, ctx) -> {
            Optional<Boolean> v = Kstrtobool.parse(value);
            if (v.isEmpty()) {
                return -22;
            }
            ctx.put(ForceDac.class, new ForceDac(v.get()));
            if (v.get()) {
                ctx.log().info("Forcing DAC for PCI devices");
            }
            return 0;
        }));
    }

    @Override
    public boolean startsLate() {
        return true;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        DmaApi api = ctx.get(DmaApi.class).orElse(null);
        if (api == null || ctx.deviceTree().isEmpty()) {
            return;
        }
        boolean forceDac = ctx.get(ForceDac.class).map(ForceDac::value).orElse(false);
        Probed p = probe(ctx.spec(), ctx.deviceTree().get(), api, ctx.require(PageAllocator.class), ctx.log(),
            ctx.require(IommuDefaults.class), forceDac, ctx.require(ArchDma.class), ctx.require(KernelVm.class),
            ctx.require(RuntimeServices.class), ctx.require(MmRules.class));
        if (p != null) {
            p.core().start(p.ops()); // the devices behind the SMMUs, at the kernel's moment of the boot
            ctx.put(Probed.class, p);
        }
    }

    /**
     * Probes the tree's SMMUs; null when the tree has no usable SMMU. The devices behind them are
     * probed (and given the IOMMU's DMA ops) by {@link IommuCore#start}, which the caller runs.
     */
    private static Probed probe(PlatformSpec spec, DeviceTree dt, DmaApi api, PageAllocator buddy, BootLog log,
        IommuDefaults defaults, boolean forceDac, ArchDma arch, KernelVm vm, RuntimeServices services, MmRules mm) {
        SmmuParams params = params(spec.cmdline(), log);
        List<SmmuDriver> drivers = new ArrayList<>();
        for (DtNode node : dt.all()) {
            if (!node.isCompatible(COMPATIBLE) || !node.isAvailable()) {
                continue;
            }
            String devName = api.devices().stream().filter(d -> d.ofNode().map(node.path()::equals).orElse(false))
                .map(DmaDevice::name).findFirst().orElse(null);
            if (devName == null) {
                continue; // no platform device was created for the node: no driver probes it
            }
            DescriptorPages mem = new DescriptorPages(buddy);
            SmmuHw hw = new SmmuHw(mem);
            try {
                ArmSmmuV3 smmu = ArmSmmuV3.probe(node, devName, params, mem, hw, log::info);
                drivers.add(new SmmuDriver(smmu, hw, mem, node, dt, log::info));
            } catch (SmmuProbeException e) {
                log.err("arm-smmu-v3 " + devName + ": probe with driver arm-smmu-v3 failed with error " + -e.errno());
            }
        }
        if (drivers.isEmpty()) {
            return null;
        }
        int cmaAlignment = (int) spec.kconfig().number("CMA_ALIGNMENT");
        IommuCore core = new IommuCore(new ArrayList<IommuDriver>(drivers), api, defaults, forceDac,
            spec.possibleCpus(), mm.gfpAtomic(), DmaIommuKernel.of(spec.kernel()), log,
            dev -> PciWindows.reserved(dev, dt));
        IommuDmaOps ops = new IommuDmaOps(core, arch, vm, buddy, services.current(CmaAreas.class),
            services.current(AtomicPools.class), log, cmaAlignment);
        return new Probed(drivers, core, ops);
    }

    /** {@code arm_smmu_v3.disable_bypass=} (a bool module parameter; the last one given wins). */
    static SmmuParams params(KernelCmdline cmdline, BootLog log) {
        boolean disableBypass = SmmuParams.DEFAULTS.disableBypass();
        for (KernelCmdline.Param p : cmdline.all("arm_smmu_v3.disable_bypass")) {
            Optional<Boolean> v = p.value() == null ? Optional.of(true) : Kstrtobool.parse(p.value());
            if (v.isEmpty()) {
                log.err("Booting kernel: `" + p.value() + "' invalid for parameter `arm_smmu_v3.disable_bypass'");
            } else {
                disableBypass = v.get();
            }
        }
        return new SmmuParams(disableBypass, SmmuParams.DEFAULTS.disableMsipolling());
    }

    /**
     * The platform's IOMMU instance: the boot's probe, or on a running platform a fresh one.
     * Released when everything it mapped is gone: the devices leave the SMMUs, the memory goes back.
     */
    @Override
    public void start(RuntimeContext rt) {
        Probed p;
        boolean devicesProbed = !rt.late();
        if (rt.late()) {
            DmaApi api = rt.get(DmaApi.class).orElse(null);
            Optional<DeviceTree> dt = rt.spec().deviceTree();
            if (api == null || dt.isEmpty() || rt.spec().arch() != Arch.ARM64) {
                return;
            }
            p = probe(rt.spec(), dt.get(), api, rt.require(PageAllocator.class), rt.log(),
                rt.require(IommuDefaults.class), rt.get(ForceDac.class).map(ForceDac::value).orElse(false),
                rt.require(ArchDma.class), rt.require(KernelVm.class), rt.services(), rt.require(MmRules.class));
        } else {
            p = rt.get(Probed.class).orElse(null);
        }
        if (p == null) {
            return;
        }
        IommuCore core = p.core();
        BackendLifecycle instance = rt.newInstance("SMMUv3 " + core.units(), core::shutdown);
        p.ops().attach(instance);
        core.attach(instance);
        if (!devicesProbed) {
            // On a running platform the devices get the IOMMU's ops only now, once the ops and the
            // domains belong to the instance: a driver mapping meanwhile already holds through it.
            core.start(p.ops());
        }
        rt.offer(Iommu.class, core, instance);
    }
}
