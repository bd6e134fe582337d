package org.dmasim.iommu.smmu;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.iommu.core.IommuDriver;
import org.dmasim.iommu.pgtable.DescriptorPages;
import org.dmasim.iommu.smmu.hw.Counters;
import org.dmasim.iommu.smmu.hw.SmmuHw;
import org.dmasim.iommu.smmu.hw.Translation;

/**
 * The SMMUv3 driver as the IOMMU core sees it ({@code arm_smmu_ops}): which devices are behind
 * this SMMU (the firmware's {@code iommus} and {@code iommu-map}), their masters, domains and
 * attachment, and device accesses through the modelled hardware.
 */
public final class SmmuDriver implements IommuDriver {
    private final ArmSmmuV3 smmu;
    private final SmmuHw hw;
    private final DescriptorPages mem;
    private final DtNode node;
    private final DeviceTree dt;
    private final boolean coherentWalk;
    private final Consumer<String> log;

    /** The master of a device: the driver's, with the device it stands for. */
    private record SmmuMaster(String device, org.dmasim.iommu.smmu.Master master) implements IommuDriver.Master {
    }

    public SmmuDriver(ArmSmmuV3 smmu, SmmuHw hw, DescriptorPages mem, DtNode node, DeviceTree dt,
        Consumer<String> log) {
        this.smmu = smmu;
        this.hw = hw;
        this.mem = mem;
        this.node = node;
        this.dt = dt;
        this.coherentWalk = node.has("dma-coherent");
        this.log = log;
    }

    @Override
    public String unitName() {
        return smmu.prefix().substring(0, smmu.prefix().length() - 2);
    }

    /**
     * {@code of_iommu_configure}: a platform device is behind this SMMU when its {@code iommus}
     * names it; a PCI function when its host bridge's {@code iommu-map} sends its requester ID
     * here (a bridge without the property has no IOMMU for its functions).
     */
    @Override
    public IommuDriver.Master probeDevice(DmaDevice dev) {
        int[] sids;
        if (dev.bus() == DmaDevice.Bus.PCI) {
            Optional<DtNode> bridge = dev.pciHostBridge().flatMap(dt::find);
            if (bridge.isEmpty() || !bridge.get().has("iommu-map") || !mapsHere(bridge.get(), dev.pciRid().orElse(0))) {
                return null;
            }
            OptionalInt sid = OfIommu.mapId(bridge.get(), dev.pciRid().orElse(0), log);
            if (sid.isEmpty()) {
                return null;
            }
            sids = new int[] {sid.getAsInt()};
        } else {
            Optional<DtNode> own = dev.ofNode().flatMap(dt::find);
            if (own.isEmpty()) {
                return null;
            }
            sids = OfIommu.iommusSids(own.get(), node);
            if (sids.length == 0) {
                return null;
            }
        }
        org.dmasim.iommu.smmu.Master m = smmu.probeDevice(dev.driverString() + " " + dev.name(), sids);
        return new SmmuMaster(dev.name(), m);
    }

    /** Whether the {@code iommu-map} entry covering {@code rid} names this SMMU. */
    private boolean mapsHere(DtNode bridge, int rid) {
        DtProperty map = bridge.property("iommu-map").orElseThrow();
        long mask = bridge.property("iommu-map-mask").map(DtProperty::u32).orElse(0xffffffffL);
        long id = rid & mask;
        long here = node.phandle().orElse(-1L);
        for (int i = 0; i + 3 < map.cellCount(); i += 4) {
            if (id >= map.cell(i) && id < map.cell(i) + map.cell(i + 3)) {
                return map.cell(i + 1) == here;
            }
        }
        return false;
    }

    @Override
    public void releaseDevice(IommuDriver.Master m) {
        smmu.releaseDevice(((SmmuMaster) m).master());
    }

    @Override
    public DriverDomain allocDomain(DomainType type) {
        return new SmmuDomain(smmu, mem, coherentWalk, type);
    }

    @Override
    public void attach(DriverDomain d, IommuDriver.Master m) {
        SmmuDomain domain = (SmmuDomain) d;
        org.dmasim.iommu.smmu.Master master = ((SmmuMaster) m).master();
        if (domain.type() == DomainType.IDENTITY) {
            smmu.attachBypass(master);
            return;
        }
        domain.finalise();
        smmu.attachS1(master, domain.asid(), domain.ttbr(), domain.s1Config());
    }

    /** The device's first stream ID carries its accesses. */
    @Override
    public long translate(IommuDriver.Master m, long iova, boolean write) {
        SmmuMaster sm = (SmmuMaster) m;
        int sid = sm.master().streamIds()[0];
        long raw = hw.translateRaw(sid, iova, write);
        if ((raw & Translation.FAULT_BIT) == 0) {
            return raw & ~Translation.STALE_BIT;
        }
        Translation t = Translation.decode(raw);
        String what = switch (t.fault()) {
            case Translation.ABORT -> "its stream table entry aborts every access (no domain)";
            case 0x10 -> "translation fault (event 0x10): no page-table entry maps it";
            case 0x11 -> "address size fault (event 0x11): beyond the domain's input range";
            case 0x13 -> "permission fault (event 0x13): " + (write ? "a write to a read-only (DMA_TO_DEVICE) page"
                : "the entry forbids reads");
            default -> String.format("fault (event 0x%02x)", t.fault());
        };
        throw new BusFault(sm.device(), iova, String.format("%s %s at 0x%x (stream 0x%x): %s; the access is"
            + " aborted, memory untouched", unitName(), write ? "write" : "read", iova, sid, what));
    }

    @Override
    public List<String> processEvents() {
        return smmu.processEvents();
    }

    @Override
    public long[] hardwareCounters() {
        Counters c = hw.counters();
        Map<String, Long> cmds = c.commands();
        long faults = c.faults().entrySet().stream().filter(e -> e.getKey() != 0).mapToLong(Map.Entry::getValue).sum();
        long aborted = c.faults().getOrDefault(0, 0L);
        return new long[] {c.iotlbHits() + c.iotlbMisses() + aborted, c.iotlbHits(), c.iotlbMisses(),
            c.staleHits(), faults, aborted, cmds.getOrDefault("TLBI_NH_VA", 0L), cmds.getOrDefault("TLBI_NH_ASID", 0L),
            cmds.getOrDefault("CMD_SYNC", 0L)};
    }

    @Override
    public void shutdown() {
        smmu.shutdown();
    }
}
