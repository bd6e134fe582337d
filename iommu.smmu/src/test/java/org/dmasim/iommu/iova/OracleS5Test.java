package org.dmasim.iommu.iova;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The 22 IOVAs of the Linux 6.1 oracle run "S5" (QEMU virt + SMMUv3, strict, PCI edu device with a
 * 64-bit mask; copied into the resource next to this test), replayed at the allocator level as
 * dma-iommu drives it: granule 4 KiB, start pfn 1, the PCI windows reserved, every allocation
 * 32-bit first ({@code alloc_iova_fast(size, 0xfffff, false)}) then the full limit with the rcache
 * flush, sizes after {@code iova_align(size + offset)}, every call on one CPU. The remap-immediate
 * mappings are unmapped (in map order) before the remap-after-100ms ones, the only reading the
 * oracle's values allow (issue 9 note §5.2).
 */
class OracleS5Test {
    static final long LIMIT_32 = 0xfffffL;
    static final long LIMIT_SMMU = (1L << 36) - 1; // 2^48 - 1 in 4 KiB granules

    /** The domain dma-iommu builds for the edu device: start pfn 1, the host bridge's MEM windows reserved. */
    static IovaDomain pciDomain(int cpus) {
        IovaDomain d = new IovaDomain(4096, 1, cpus);
        d.reserve(0x10000, 0x3efef);
        d.reserve(0x8000000, 0xfffffff);
        return d;
    }

    /** iommu_dma_alloc_iova for a PCI device without forcedac: pfn of the range. */
    static long pciAlloc(IovaDomain d, int cpu, long granules) {
        long pfn = d.allocFast(cpu, granules, LIMIT_32, false);
        return pfn != 0 ? pfn : d.allocFast(cpu, granules, LIMIT_SMMU, true);
    }

    /** iova_align(size + offset) >> shift. */
    static long granules(long offset, long size) {
        return (offset + size + 4095) >>> 12;
    }

    private final IovaDomain d = pciDomain(4);
    private final List<Long> got = new ArrayList<>();

    private long map(long offset, long size) {
        long pfn = pciAlloc(d, 0, granules(offset, size));
        got.add((pfn << 12) + offset);
        return pfn;
    }

    private void unmap(long pfn, long offset, long size) {
        d.freeFast(0, pfn, granules(offset, size));
    }

    @Test
    void theAllocatorGivesEveryIovaOfTheOracleRun() throws IOException {
        long[] page = new long[4];
        for (int i = 0; i < 4; i++) {
            page[i] = map(0, 4096);
        }
        int[] pages = {1, 2, 3, 4, 5, 8, 31, 32, 33};
        long[] multi = new long[pages.length];
        for (int i = 0; i < pages.length; i++) {
            multi[i] = map(0, 4096L * pages[i]);
        }
        long unaligned = map(0x100, 4096);
        unmap(unaligned, 0x100, 4096);
        for (int i = 0; i < pages.length; i++) {
            unmap(multi[i], 0, 4096L * pages[i]);
        }
        for (long p : page) {
            unmap(p, 0, 4096);
        }
        long[] remap = new long[3];
        for (int i = 0; i < 3; i++) {
            remap[i] = map(0, 4096);
        }
        long two = map(0, 8192);
        long thirtyThree = map(0, 33 * 4096);
        for (long p : remap) {
            unmap(p, 0, 4096);
        }
        unmap(two, 0, 8192);
        unmap(thirtyThree, 0, 33 * 4096);
        for (int i = 0; i < 3; i++) {
            map(0, 4096);
        }
        assertEquals(oracleIovas(), got);
        d.checkConsistency();
    }

    private static List<Long> oracleIovas() throws IOException {
        Pattern iova = Pattern.compile(" -> iova=0x([0-9a-f]+)");
        List<Long> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
            OracleS5Test.class.getResourceAsStream("oracle-6.1-s5-smmuv3-strict.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                Matcher m = iova.matcher(line);
                if (m.find()) {
                    out.add(Long.parseLong(m.group(1), 16));
                }
            }
        }
        assertEquals(22, out.size(), "IOVA lines in the oracle excerpt");
        return out;
    }
}
