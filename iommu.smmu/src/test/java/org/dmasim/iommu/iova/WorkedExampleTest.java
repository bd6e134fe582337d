package org.dmasim.iommu.iova;

import static org.dmasim.iommu.iova.OracleS5Test.LIMIT_32;
import static org.dmasim.iommu.iova.OracleS5Test.granules;
import static org.dmasim.iommu.iova.OracleS5Test.pciAlloc;
import static org.dmasim.iommu.iova.OracleS5Test.pciDomain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worked example of issue 9's note §6 (PCI device, 64-bit mask, strict domain, one CPU),
 * phases A to E, at the allocator level. IOVAs in bytes = pfn &lt;&lt; 12 + offset.
 */
class WorkedExampleTest {
    private final IovaDomain d = pciDomain(2);

    private long map(long offset, long size) {
        return (pciAlloc(d, 0, granules(offset, size)) << 12) + offset;
    }

    private void unmap(long iova, long size) {
        d.freeFast(0, iova >>> 12, granules(iova & 0xfff, size));
    }

    private long[] phaseA() {
        long[] a = {map(0, 4096), map(0, 4096), map(0, 4096), map(0, 8192)};
        assertEquals(List.of(0xfffff000L, 0xffffe000L, 0xffffd000L, 0xffffa000L), List.of(a[0], a[1], a[2], a[3]));
        assertTrue(d.find(0xffffc).isEmpty(), "pfn 0xffffc is the alignment hole");
        return a;
    }

    @Test
    void phaseBReusesLastFreedFirstAndLeavesTheAlignmentHole() {
        long[] a = phaseA();
        unmap(a[1], 4096);
        unmap(a[3], 8192);
        unmap(a[0], 4096);
        unmap(a[2], 4096);
        assertEquals(List.of(3, 0), d.rcacheStats().bins().get(0).cpuPfns());
        assertEquals(0xffffd000L, map(0, 4096));
        assertEquals(0xfffff000L, map(0, 4096));
        assertEquals(0xffffa000L, map(0, 8192));
        assertEquals(0xffffe000L, map(0, 4096));
        assertEquals(0xffff9000L, map(0, 4096), "rcache empty: the tree below cached32 (node 0xffffa)");
        assertEquals(0xffff6800L, map(0x800, 4096));
        assertEquals(0xffff0000L, map(0, 12288));
        assertTrue(d.find(0xffffc).isEmpty(), "the hole at 0xffffc000 is not used");
        d.checkConsistency();
    }

    @Test
    void phaseCUnmapsInReverseAndMapsTheCachedOnesBackThenTheTree() {
        long[] a = phaseA();
        for (int i = 3; i >= 0; i--) {
            unmap(a[i], i == 3 ? 8192 : 4096);
        }
        assertEquals(0xfffff000L, map(0, 4096));
        assertEquals(0xffffe000L, map(0, 4096));
        assertEquals(0xffffd000L, map(0, 4096));
        assertEquals(0xffff9000L, map(0, 4096));
        assertEquals(0xffffa000L, map(0, 8192));
        d.checkConsistency();
    }

    @Test
    void phaseDScatterlistsAllocateOnceForTheirPaddedLength() {
        long sg = map(0, 3 * 4096);
        assertEquals(0xffffc000L, sg, "3 granules rounded to 4, 4-aligned");
        assertEquals(new IovaRange(0xffffc, 0xfffff, false), d.find(0xffffd).orElseThrow());
        unmap(sg, 3 * 4096);
        assertEquals(1, d.rcacheStats().bins().get(2).cpuPfns().get(0), "3 granules free into bin 2");
        assertEquals(0xffffc000L, map(0, 3 * 4096), "the padded 4 KiB + 1000 + 2 KiB list reuses it");
        IovaDomain fresh = pciDomain(1);
        long x = pciAlloc(fresh, 0, 24) << 12;
        assertEquals(0xfffe0000L, x, "24 granules rounded to 32, 128 KiB aligned");
        assertEquals(0, x & 0x1ffff);
    }

    @Test
    void phaseEFullThirtyTwoBitSpaceGoesAboveAndFailsFastUntilATreeFreeBelow4G() {
        assertTrue(d.reserve(1, 0xffffe));
        long last = d.allocFast(0, 1, LIMIT_32, false);
        assertEquals(0xfffff, last);
        assertEquals(0, d.allocFast(0, 1, LIMIT_32, false), "no room below 4 GiB");
        assertEquals(1, d.max32AllocSize());
        assertEquals(0xfffffffff000L, map(0, 4096));
        assertEquals(0xffffffffe000L, map(0, 4096));
        d.freeFast(0, last, 1);
        assertEquals(1, d.max32AllocSize(), "a free into the rcache does not reset it");
        assertEquals(0, d.allocFast(0, 2, LIMIT_32, false), "fails fast");
        assertEquals(last, d.allocFast(0, 1, LIMIT_32, false), "the rcache is asked before the fast fail");
        assertTrue(d.free(last));
        assertEquals(d.dma32BitPfn(), d.max32AllocSize(), "a tree removal below 4 GiB resets it");
        assertEquals(last, d.allocFast(0, 1, LIMIT_32, false));
        d.checkConsistency();
    }
}
