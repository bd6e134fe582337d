package org.dmasim.iommu.smmu;

import java.util.List;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.iommu.core.IommuDriver;
import org.dmasim.iommu.pgtable.DescriptorPages;
import org.dmasim.iommu.pgtable.IotlbGather;
import org.dmasim.iommu.pgtable.LpaeS1Pgtable;
import org.dmasim.iommu.pgtable.Tcr;
import org.dmasim.iommu.pgtable.WalkTrace;

/**
 * {@code struct arm_smmu_domain}: an identity domain (the streams bypass), or a stage-1 domain
 * finalised at its first attach ({@code arm_smmu_domain_finalise_s1}): an ASID, an ARM LPAE
 * stage-1 table of 48 input bits and the SMMU's output size, its TLB maintenance through the
 * SMMU's command queue.
 */
final class SmmuDomain implements IommuDriver.DriverDomain {
    /** {@code arm_smmu_ops.pgsize_bitmap} for a 4 KiB-granule kernel: 4K | 2M | 1G. */
    static final long PGSIZE_BITMAP = 0x1000L | 0x200000L | 0x40000000L;
    /** Stage-1 descriptor bit 7, AP[2]: read-only. */
    static final long AP_RDONLY = 1L << 7;
    /** Stage-1 input size: 48 bits (no VAX; VA_BITS 48). */
    static final int IAS = 48;

    private final ArmSmmuV3 smmu;
    private final DescriptorPages mem;
    private final boolean coherentWalk;
    private volatile DomainType type;
    private int asid;
    private LpaeS1Pgtable pgtable;

    SmmuDomain(ArmSmmuV3 smmu, DescriptorPages mem, boolean coherentWalk, DomainType type) {
        this.smmu = smmu;
        this.mem = mem;
        this.coherentWalk = coherentWalk;
        this.type = type;
    }

    /** {@code arm_smmu_domain_finalise}: once, at the first attach. */
    synchronized void finalise() {
        if (type == DomainType.IDENTITY || pgtable != null) {
            return;
        }
        int a = smmu.allocAsid();
        if (a < 0) {
            throw new IllegalStateException(smmu.prefix() + "no free ASID for a new domain");
        }
        LpaeS1Pgtable t = LpaeS1Pgtable.alloc(mem, IAS, smmu.oas(), PGSIZE_BITMAP, coherentWalk, smmu.flushOps(a));
        if (t == null) {
            smmu.freeAsid(a);
            throw new IllegalStateException(smmu.prefix() + "no page for a new domain's page table (-ENOMEM)");
        }
        asid = a;
        pgtable = t;
    }

    /** What the context descriptor gets from io-pgtable's configuration. */
    S1Config s1Config() {
        Tcr tcr = pgtable.tcr();
        return new S1Config(tcr.t0sz(), tcr.tg0(), tcr.irgn(), tcr.orgn(), tcr.sh(), tcr.ips(), pgtable.mair());
    }

    long ttbr() {
        return pgtable.ttbr();
    }

    @Override
    public DomainType type() {
        return type;
    }

    @Override
    public void setType(DomainType t) {
        type = t;
    }

    @Override
    public long pgsizeBitmap() {
        LpaeS1Pgtable t = pgtable;
        return t == null ? PGSIZE_BITMAP : t.pgsizeBitmap();
    }

    @Override
    public long apertureEnd() {
        return (1L << IAS) - 1;
    }

    @Override
    public int map(long iova, long paddr, long size, int prot, int gfp) {
        return pgtable.map(iova, paddr, size, prot, gfp);
    }

    @Override
    public long unmap(long iova, long size, IotlbGather gather) {
        return pgtable.unmap(iova, size, gather);
    }

    @Override
    public void iotlbSync(IotlbGather gather) {
        smmu.iotlbSync(asid, gather);
    }

    @Override
    public void flushIotlbAll() {
        smmu.flushIotlbAll(asid);
    }

    @Override
    public long iovaToPhys(long iova) {
        LpaeS1Pgtable t = pgtable;
        return type == DomainType.IDENTITY ? iova : t == null ? 0 : t.iovaToPhys(iova);
    }

    @Override
    public long accessThroughTables(long iova, boolean write) {
        LpaeS1Pgtable t = pgtable;
        if (type == DomainType.IDENTITY) {
            return iova;
        }
        if (t == null) {
            return -1;
        }
        WalkTrace w = t.walk(iova);
        if (w.stop() != WalkTrace.Stop.LEAF) {
            return -1;
        }
        long pte = w.steps().get(w.steps().size() - 1).pte();
        boolean readOnly = (pte & AP_RDONLY) != 0;
        return write && readOnly ? -1 : w.phys();
    }

    @Override
    public int asid() {
        return asid;
    }

    @Override
    public long tablePages() {
        return pgtable == null ? 0 : pgtable.tablePages();
    }

    /** The leaves over the range, then the walk of {@code iova}, one line per level read. */
    @Override
    public List<String> dump(long iova, long size) {
        List<String> out = new java.util.ArrayList<>(pgtable.dump(iova, size));
        WalkTrace w = pgtable.walk(iova);
        for (WalkTrace.Step st : w.steps()) {
            out.add(String.format("walk 0x%012x: L%d entry at 0x%012x = 0x%016x", iova, st.level(), st.entryPa(),
                st.pte()));
        }
        out.add(String.format("walk 0x%012x: %s", iova, switch (w.stop()) {
            case LEAF -> String.format("-> 0x%012x", w.phys());
            case EMPTY -> "no entry: nothing maps it (a device access faults, event 0x10)";
            case OUT_OF_RANGE -> "beyond the 48-bit input range (event 0x10)";
            case NO_TABLE -> "a table entry points at no table page";
        }));
        return out;
    }

    /** {@code arm_smmu_domain_free}: the page table (and with it a TLBI of the ASID), then the ASID. */
    @Override
    public synchronized void free() {
        if (pgtable != null) {
            pgtable.free();
            smmu.flushIotlbAll(asid);
            smmu.freeAsid(asid);
            pgtable = null;
        }
    }
}
