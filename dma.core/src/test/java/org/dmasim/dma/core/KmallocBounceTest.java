package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.mm.slab.SlabBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/**
 * {@code dma_kmalloc_needs_bounce} in {@code dma_direct_map_page}: Linux 6.12 on arm64 keeps
 * kmalloc objects 8-byte aligned and bounces the small buffers of non-coherent devices that
 * its cache maintenance could corrupt (until swiotlb maps slots, issue 8 section 5, such a map
 * fails with a {@code dmasim:} line naming the rule); 6.1 never does, and 6.12 without a
 * swiotlb aligns kmalloc to the cache line instead, so nothing needs it.
 */
class KmallocBounceTest {
    private static final String RULE = "may be a kmalloc object sharing a cache line (dma_kmalloc_needs_bounce)";

    /** A platform with the test devices, its kmalloc and its DMA API. */
    private record Board(BootResult boot, DmaApi dma, Kmalloc kmalloc) {
        static Board boot(String kernel, String cmdline) {
            Map<String, Object> config = new HashMap<>(Map.of("kernel", kernel));
            if (cmdline != null) {
                config.put("cmdline", cmdline);
            }
            BootResult r = Platforms.bootProfile("qemu-virt-arm64-testdevs", config, new DmaCoreBoot(), new SlabBoot());
            Board b = new Board(r, Boots.dma(r), r.lookup(Kmalloc.class).orElseThrow());
            for (String dev : List.of("dma-test-nc", "dma-test-coh")) {
                // RAM reaches above 4 GiB: a 64-bit mask keeps reachability out of the question.
                assertEquals(0, b.dma().setMaskAndCoherent(b.dev(dev), -1L));
            }
            return b;
        }

        DmaDevice dev(String name) {
            return dma.device(name).orElseThrow();
        }

        /** dma_map_single of a fresh kmalloc(size) object; DMA_MAPPING_ERROR when the map failed. */
        long map(String device, long size, DmaDirection dir) {
            long obj = kmalloc.kmalloc(size, Gfp.GFP_KERNEL);
            DmaAddr a = dma.mapSingle(dev(device), new CpuAddr(obj), size, dir, 0);
            if (dma.mappingError(dev(device), a) != 0) {
                return a.value();
            }
            dma.unmapSingle(dev(device), a, size, dir, 0);
            return 0;
        }

        List<String> remarks() {
            return boot.log().lines().stream().filter(l -> l.level() == LogLine.Level.DMASIM).map(LogLine::text)
                .toList();
        }
    }

    @Test
    void linux612BouncesSmallUnalignedBuffersOfNonCoherentDevicesOnly() {
        Board b = Board.boot("6.12", null);
        assertEquals(8, b.kmalloc().minAlign());
        assertEquals(-1L, b.map("dma-test-nc", 8, DmaDirection.FROM_DEVICE), "kmalloc-8: not a multiple of 64");
        assertTrue(b.remarks().stream().anyMatch(r -> r.contains("dma-test-nc") && r.contains("a buffer of 8 bytes "
            + RULE)), b.remarks().toString());
        assertEquals(-1L, b.map("dma-test-nc", 72, DmaDirection.BIDIRECTIONAL), "kmalloc-96: 96 % 64 != 0");
        assertEquals(0, b.map("dma-test-nc", 8, DmaDirection.TO_DEVICE), "TO_DEVICE: clean only, nothing to corrupt");
        assertEquals(0, b.map("dma-test-nc", 100, DmaDirection.FROM_DEVICE), "kmalloc-128 is cache-line aligned");
        assertEquals(0, b.map("dma-test-nc", 150, DmaDirection.FROM_DEVICE), "kmalloc-192 too");
        assertEquals(0, b.map("dma-test-nc", 256, DmaDirection.FROM_DEVICE), "2 * ARCH_DMA_MINALIGN and more");
        assertEquals(0, b.map("dma-test-coh", 8, DmaDirection.FROM_DEVICE), "a coherent device needs no maintenance");
        assertEquals(2, b.remarks().stream().filter(r -> r.contains(RULE)).count());
    }

    @Test
    void linux61AndLinux612WithoutASwiotlbMapSmallBuffersDirectly() {
        Board v61 = Board.boot("6.1", null);
        assertEquals(128, v61.kmalloc().minAlign());
        assertEquals(0, v61.map("dma-test-nc", 8, DmaDirection.FROM_DEVICE), "no DMA_BOUNCE_UNALIGNED_KMALLOC in 6.1");
        Board noSwiotlb = Board.boot("6.12", "swiotlb=noforce");
        assertEquals(64, noSwiotlb.kmalloc().minAlign(), "kmalloc aligned to dma_get_cache_alignment()");
        assertEquals(0, noSwiotlb.map("dma-test-nc", 8, DmaDirection.FROM_DEVICE), "kmalloc_size_roundup(8) = 64");
        assertEquals(0, noSwiotlb.map("dma-test-nc", 72, DmaDirection.FROM_DEVICE), "kmalloc_size_roundup(72) = 128");
        for (Board b : List.of(v61, noSwiotlb)) {
            assertTrue(b.remarks().stream().noneMatch(r -> r.contains(RULE)), b.remarks().toString());
        }
    }
}
