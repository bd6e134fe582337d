package org.dmasim.iommu.smmu;

import static org.dmasim.testing.Dt.cells;
import static org.dmasim.testing.Dt.flag;
import static org.dmasim.testing.Dt.node;
import static org.dmasim.testing.Dt.props;
import static org.dmasim.testing.Dt.string;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mm.Gfp;
import org.dmasim.iommu.pgtable.DescriptorPages;
import org.dmasim.iommu.smmu.hw.SmmuHw;
import org.dmasim.testing.Dt;
import org.dmasim.testing.FakePageAllocator;

/** A QEMU virt SMMUv3 (node as in the a64-4G-smmuv3 device tree) probed over fake memory. */
final class SmmuFixture {
    final FakePageAllocator pages = FakePageAllocator.oneZone(0x40000, 0x80000);
    final DescriptorPages mem = new DescriptorPages(pages);
    final SmmuHw hw;
    final List<String> log = new ArrayList<>();
    final ArmSmmuV3 smmu;

    SmmuFixture() {
        this(true, SmmuParams.DEFAULTS);
    }

    SmmuFixture(boolean ril, SmmuParams params) {
        this.hw = new SmmuHw(mem, SmmuHw.QEMU_IOTLB_ENTRIES, ril);
        this.smmu = ArmSmmuV3.probe(smmuNode(List.of()), "9050000.smmuv3", params, mem, hw, log::add);
    }

    /** The node of the QEMU tree ({@code smmuv3@9050000}) under a 2/2-cell root, properties replaceable. */
    static DtNode smmuNode(List<DtProperty> replace) {
        List<DtProperty> p = new ArrayList<>(List.of(cells("phandle", 0x8004), cells("#iommu-cells", 1),
            flag("dma-coherent"), string("interrupt-names", "eventq", "priq", "cmdq-sync", "gerror"),
            cells("interrupts", 0, 0x4a, 1, 0, 0x4b, 1, 0, 0x4c, 1, 0, 0x4d, 1), cells("reg", 0, 0x9050000, 0, 0x20000),
            string("compatible", "arm,smmu-v3")));
        for (DtProperty r : replace) {
            p.removeIf(x -> x.name().equals(r.name()));
            if (r.length() != 0 || r.name().equals("dma-coherent")) {
                p.add(r);
            }
        }
        DtNode smmu = node("smmuv3@9050000", p);
        Dt.root(smmu);
        return smmu;
    }

    /** A 4-level table mapping {@code iova} to {@code pa} with {@code pte} attributes; returns the L3 PTE address. */
    long mapPage(long ttbr, long iova, long pa, long attrs) {
        long table = ttbr;
        for (int level = 0; level < 3; level++) {
            int shift = 39 - 9 * level;
            long at = table + ((iova >>> shift) & 511) * 8;
            long d = mem.read(at);
            if (d == 0) {
                long next = mem.allocPage(Gfp.GFP_KERNEL);
                d = next | 3;
                mem.write(at, d);
            }
            table = d & 0x0000_ffff_ffff_f000L;
        }
        long pteAddr = table + ((iova >>> 12) & 511) * 8;
        mem.write(pteAddr, pa | attrs);
        return pteAddr;
    }

    /** Coherent read/write page attributes (0xf47 as io-pgtable writes them); read-only: 0xfc7. */
    static final long RW = 0xf47L;
    static final long RO = 0xfc7L;
}
