package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.mm.slab.SlabBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/**
 * {@code dma_kmalloc_needs_bounce} in {@code dma_direct_map_page}: Linux 6.12 on arm64 keeps
 * kmalloc objects 8-byte aligned and bounces the small buffers of non-coherent devices that
 * its cache maintenance could corrupt through swiotlb (so a neighbour sharing the cache line keeps
 * its bytes); 6.1 never does, and 6.12 without a swiotlb aligns kmalloc to the cache line instead,
 * so nothing needs it.
 */
class KmallocBounceTest {

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

        /** dma_map_single of a fresh kmalloc(size) object, then unmap: whether the mapping bounced. */
        boolean bounces(String device, long size, DmaDirection dir) {
            long obj = kmalloc.kmalloc(size, Gfp.GFP_KERNEL);
            DmaAddr a = dma.mapSingle(dev(device), new CpuAddr(obj), size, dir, 0);
            assertEquals(0, dma.mappingError(dev(device), a), "mapped");
            boolean bounced = a.value() != dma.kernelVm().toPhys(obj)
                && pool().isSwiotlbBuffer(dma.deviceAccess(dev(device), a, size).value());
            dma.unmapSingle(dev(device), a, size, dir, 0);
            return bounced;
        }

        SwiotlbPool pool() {
            return boot.lookup(SwiotlbPool.class).orElseThrow();
        }

        long maps(String device) {
            return pool().stats().devices().stream().filter(d -> d.device().equals(device))
                .mapToLong(SwiotlbStats.DeviceBounces::maps).sum();
        }

        /** Warnings and worse, and dmasim's remarks, since boot: a bounce prints nothing, nor does a direct map. */
        List<String> printedSinceBoot(int bootLines) {
            return boot.log().lines().stream().skip(bootLines).filter(l -> l.level().compareTo(LogLine.Level.WARNING)
                <= 0 || l.level() == LogLine.Level.DMASIM).map(LogLine::text).toList();
        }
    }

    @Test
    void linux612BouncesSmallUnalignedBuffersOfNonCoherentDevicesOnly() {
        Board b = Board.boot("6.12", null);
        int bootLines = b.boot().log().lines().size();
        assertEquals(8, b.kmalloc().minAlign());
        assertTrue(b.bounces("dma-test-nc", 8, DmaDirection.FROM_DEVICE), "kmalloc-8: not a multiple of 64");
        assertTrue(b.bounces("dma-test-nc", 72, DmaDirection.BIDIRECTIONAL), "kmalloc-96: 96 % 64 != 0");
        assertFalse(b.bounces("dma-test-nc", 8, DmaDirection.TO_DEVICE), "TO_DEVICE: clean only, nothing to corrupt");
        assertFalse(b.bounces("dma-test-nc", 100, DmaDirection.FROM_DEVICE), "kmalloc-128 is cache-line aligned");
        assertFalse(b.bounces("dma-test-nc", 150, DmaDirection.FROM_DEVICE), "kmalloc-192 too");
        assertFalse(b.bounces("dma-test-nc", 256, DmaDirection.FROM_DEVICE), "2 * ARCH_DMA_MINALIGN and more");
        assertFalse(b.bounces("dma-test-coh", 8, DmaDirection.FROM_DEVICE), "a coherent device needs no maintenance");
        assertEquals(2, b.maps("dma-test-nc"), "the two bounces counted for the device");
        assertEquals(0, b.maps("dma-test-coh"));
        assertEquals(List.of(), b.printedSinceBoot(bootLines));
    }

    /**
     * Why 6.12 bounces: two kmalloc-8 objects share a 64-byte line. The CPU dirties the neighbour
     * while the device writes the other; without the bounce, {@code arch_sync_dma_for_cpu}'s
     * invalidate of the partial line would lose the neighbour's bytes or the device's. Through the
     * bounce buffer both survive.
     */
    @Test
    void linux612BounceKeepsANeighbourInTheSameCacheLine() {
        Board b = Board.boot("6.12", null);
        KernelVm vm = b.dma().kernelVm();
        CpuCache cache = b.boot().lookup(CpuCache.class).orElseThrow();
        long first = b.kmalloc().kmalloc(8, Gfp.GFP_KERNEL);
        long second = b.kmalloc().kmalloc(8, Gfp.GFP_KERNEL);
        assertEquals(first >>> 6, second >>> 6, "two kmalloc-8 objects in one cache line");
        DmaDevice nc = b.dev("dma-test-nc");
        DmaAddr a = b.dma().mapSingle(nc, new CpuAddr(first), 8, DmaDirection.FROM_DEVICE, 0);
        vm.cpuWrite(second, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        byte[] fromDevice = {(byte) 0xd0, (byte) 0xd1, (byte) 0xd2, (byte) 0xd3, (byte) 0xd4, (byte) 0xd5, (byte) 0xd6,
            (byte) 0xd7};
        cache.device(false).write(b.dma().deviceAccess(nc, a, 8).value(), fromDevice);
        b.dma().unmapSingle(nc, a, 8, DmaDirection.FROM_DEVICE, 0);
        assertArrayEquals(fromDevice, vm.cpuRead(first, 8), "the device's bytes, copied back from the slot");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, vm.cpuRead(second, 8), "the neighbour's bytes");
    }

    @Test
    void linux61AndLinux612WithoutASwiotlbMapSmallBuffersDirectly() {
        Board v61 = Board.boot("6.1", null);
        int v61Lines = v61.boot().log().lines().size();
        assertEquals(128, v61.kmalloc().minAlign());
        assertFalse(v61.bounces("dma-test-nc", 8, DmaDirection.FROM_DEVICE), "no DMA_BOUNCE_UNALIGNED_KMALLOC in 6.1");
        assertEquals(0, v61.maps("dma-test-nc"));
        Board noSwiotlb = Board.boot("6.12", "swiotlb=noforce");
        int noSwiotlbLines = noSwiotlb.boot().log().lines().size();
        assertEquals(64, noSwiotlb.kmalloc().minAlign(), "kmalloc aligned to dma_get_cache_alignment()");
        assertEquals(0, noSwiotlb.pool().nslabs());
        assertFalse(noSwiotlb.bounces("dma-test-nc", 8, DmaDirection.FROM_DEVICE), "kmalloc_size_roundup(8) = 64");
        assertFalse(noSwiotlb.bounces("dma-test-nc", 72, DmaDirection.FROM_DEVICE), "kmalloc_size_roundup(72) = 128");
        assertEquals(List.of(), v61.printedSinceBoot(v61Lines));
        assertEquals(List.of(), noSwiotlb.printedSinceBoot(noSwiotlbLines));
    }
}
