package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.junit.jupiter.api.Test;

/**
 * {@code iommu_dma_map_sg} and {@code __finalise_sg} on the edu PCI device (64-bit mask, strict,
 * fresh domain), note §6 Phase D: one IOVA range for the whole list, segments padded to whole
 * granules, merged into one DMA segment where the next input starts at offset 0, the previous one
 * ended on a granule end, the join is not on a segment boundary and the merged length stays within
 * the maximum segment size.
 */
class MapSgMergeTest {
    private final SmmuRig r = SmmuRig.profile();
    private final DmaDevice edu = r.edu();

    MapSgMergeTest() {
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
    }

    private static List<String> segments(SgTable sg, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(String.format("{%#x, %d}", sg.dmaAddress(i), sg.dmaLength(i)));
        }
        return out;
    }

    /** Scattered pages (a spare page between each): their physical addresses plus {@code offsets}. */
    private long[] scattered(int order, long... offsets) {
        long[] phys = new long[offsets.length];
        for (int i = 0; i < phys.length; i++) {
            phys[i] = r.block(order) + offsets[i];
            r.block(order);
        }
        return phys;
    }

    @Test
    void threePagesBecomeOneSegment() {
        long[] phys = scattered(0, 0, 0, 0);
        for (int i = 0; i < 3; i++) {
            r.cpuWrite(phys[i], SmmuRig.pattern(4096, 10 + i));
        }
        SgTable sg = SgTable.of(phys, new long[] {4096, 4096, 4096});
        assertEquals(1, r.dma.mapSg(edu, sg, 3, DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of("{0xffffc000, 12288}"), segments(sg, 1));
        assertEquals(-1L, sg.dmaAddress(1), "unused entries keep DMA_MAPPING_ERROR");
        assertEquals(0, sg.dmaLength(2));
        byte[] all = r.deviceRead(edu, 0xffffc000L, 12288);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(SmmuRig.pattern(4096, 10 + i), java.util.Arrays.copyOfRange(all, i * 4096, (i + 1) * 4096));
        }
        r.dma.unmapSg(edu, sg, 3, DmaDirection.TO_DEVICE, 0);
        SgTable again = SgTable.of(scattered(0, 0, 0, 0), new long[] {4096, 4096, 4096});
        assertEquals(0, r.dma.mapSgtable(edu, again, DmaDirection.TO_DEVICE, 0));
        assertEquals(1, again.nents(), "dma_map_sgtable: nents = the DMA segments");
        assertEquals(0xffffc000L, again.dmaAddress(0), "unmap freed 3 granules into bin 2, the bin of the rounded 4");
    }

    @Test
    void anOffsetOrAShortSegmentStartsNewSegments() {
        long[] phys = scattered(0, 0, 0x64, 0);
        SgTable sg = SgTable.of(phys, new long[] {4096, 1000, 2048});
        byte[] mid = SmmuRig.pattern(1000, 3);
        r.cpuWrite(phys[1], mid);
        assertEquals(3, r.dma.mapSg(edu, sg, 3, DmaDirection.BIDIRECTIONAL, 0));
        assertEquals(List.of("{0xffffc000, 4096}", "{0xffffd064, 1000}", "{0xffffe000, 2048}"), segments(sg, 3));
        assertArrayEquals(mid, r.deviceRead(edu, 0xffffd064L, 1000), "the offset is kept in the handle");
    }

    @Test
    void theSegmentBoundaryPadsAndSplits() {
        assertEquals(0, r.dma.setSegmentBoundary(edu, 0xffff));
        assertEquals(65536, edu.maxSegmentSize(), "PCI dma_parms: 64 KiB segments");
        long[] phys = scattered(3, 0, 0, 0);
        for (int i = 0; i < 3; i++) {
            r.cpuWrite(phys[i], SmmuRig.pattern(32768, 20 + i));
        }
        SgTable sg = SgTable.of(phys, new long[] {32768, 32768, 32768});
        assertEquals(2, r.dma.mapSg(edu, sg, 3, DmaDirection.TO_DEVICE, 0));
        // 24 granules -> 32, 128 KiB aligned below 4 GiB: X = 0xfffe0000; the 2nd segment merges
        // (X + 0x8000 is not on a 64 KiB boundary, 64 KiB fits), the 3rd starts on the boundary.
        assertEquals(List.of("{0xfffe0000, 65536}", "{0xffff0000, 32768}"), segments(sg, 2));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(SmmuRig.pattern(32768, 20 + i), r.deviceRead(edu, 0xfffe0000L + i * 32768L, 32768));
        }
    }

    @Test
    void aSegmentThatWouldCrossTheBoundaryIsPaddedToIt() {
        assertEquals(0, r.dma.setSegmentBoundary(edu, 0xffff));
        // 12 KiB, then 64 KiB: the second would cross 64 KiB, so the first is padded to 64 KiB.
        long[] phys = {r.block(2), r.block(4)};
        SgTable sg = SgTable.of(phys, new long[] {12288, 65536});
        assertEquals(2, r.dma.mapSg(edu, sg, 2, DmaDirection.TO_DEVICE, 0));
        // 16 + 16 granules = 32: 128 KiB aligned below 4 GiB.
        assertEquals(List.of("{0xfffe0000, 12288}", "{0xffff0000, 65536}"), segments(sg, 2));
        // iommu_map_sg maps each segment with its s->length, and the padding was added to the first
        // one's: the 13 pages after its 12 KiB buffer are mapped too (read-only, as the segment).
        List<String> pad = r.leaves(edu, 0xfffe3000L, 0xd000);
        assertEquals(13, pad.size(), String.join("\n", pad));
        assertTrue(pad.get(0).startsWith(String.format("0x0000fffe3000-0x0000fffe3fff L3 4K -> 0x%012x", phys[0] + 0x3000)),
            pad.get(0));
        assertTrue(pad.stream().allMatch(l -> l.contains(" RO ")), "TO_DEVICE: read-only");
    }

    @Test
    void theMaximumSegmentSizeSplits() {
        assertEquals(0, r.dma.setMaxSegmentSize(edu, 8192));
        SgTable sg = SgTable.of(scattered(0, 0, 0, 0), new long[] {4096, 4096, 4096});
        assertEquals(2, r.dma.mapSg(edu, sg, 3, DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of("{0xffffc000, 8192}", "{0xffffe000, 4096}"), segments(sg, 2));
    }
}
