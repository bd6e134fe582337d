package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/**
 * The cache model on booted platforms, driven as dma-direct will drive it: the CPU through the
 * kernel's linear map, the device through its port, the arch's sync hooks in between. On arm64 a
 * missing sync shows stale data in either direction; on x86 the device snoops and every flow is
 * correct without maintenance.
 */
class CacheOnBootedPlatformTest {
    static final int LEN = 1500;

    /** A booted platform's memory pieces and one page of a driver's buffer. */
    record Board(CpuCache cache, ArchDma arch, KernelVm vm, PageAllocator buddy, long phys, long kva) {
        static Board boot(String profile, Map<String, ?> overrides) {
            BootResult r = Platforms.bootProfile(profile, overrides);
            CpuCache cache = r.lookup(CpuCache.class).orElseThrow();
            KernelVm vm = r.lookup(KernelVm.class).orElseThrow();
            PageAllocator buddy = r.lookup(PageAllocator.class).orElseThrow();
            long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 1));
            assertSame(cache.cpu(), r.lookup(PhysMemory.class).orElseThrow(),
                "the platform's PhysMemory is the CPU's cached view");
            return new Board(cache, r.lookup(ArchDma.class).orElseThrow(), vm, buddy, phys, vm.linearAddress(phys));
        }
    }

    static byte[] payload(int seed) {
        byte[] b = new byte[LEN];
        for (int i = 0; i < LEN; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void arm64ToDeviceWithoutSyncForDeviceShowsTheDeviceStaleRam() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        PhysMemory dev = b.cache().device(false);
        b.vm().cpuWrite(b.kva(), payload(1));
        assertArrayEquals(new byte[LEN], dev.read(b.phys(), LEN), "the driver forgot dma_sync_single_for_device");
        long stale = b.cache().stats().staleDeviceReads();
        assertEquals((LEN + 63) / 64, stale, "every line of the buffer was stale");
        b.arch().syncDmaForDevice(b.phys(), LEN, DmaDirection.TO_DEVICE);
        assertArrayEquals(payload(1), dev.read(b.phys(), LEN));
        assertEquals(stale, b.cache().stats().staleDeviceReads());
    }

    @Test
    void arm64FromDeviceWithoutSyncForCpuReadsTheCachedCopy() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        PhysMemory dev = b.cache().device(false);
        b.vm().cpuRead(b.kva(), LEN); // the driver looked at the buffer before handing it over
        b.arch().syncDmaForDevice(b.phys(), LEN, DmaDirection.FROM_DEVICE); // dma_map_single
        dev.write(b.phys(), payload(2));
        assertArrayEquals(new byte[LEN], b.vm().cpuRead(b.kva(), LEN), "dma_sync_single_for_cpu forgotten");
        assertEquals((LEN + 63) / 64, b.cache().stats().staleCpuReads());
        b.arch().syncDmaForCpu(b.phys(), LEN, DmaDirection.FROM_DEVICE);
        assertArrayEquals(payload(2), b.vm().cpuRead(b.kva(), LEN));
    }

    @Test
    void arm64PartialSyncForCpuLeavesTheRestStale() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        b.vm().cpuRead(b.kva(), LEN);
        b.cache().device(false).write(b.phys(), payload(3));
        b.arch().syncDmaForCpu(b.phys(), 512, DmaDirection.FROM_DEVICE);
        byte[] seen = b.vm().cpuRead(b.kva(), LEN);
        byte[] expected = new byte[LEN];
        System.arraycopy(payload(3), 0, expected, 0, 512);
        assertArrayEquals(expected, seen, "only the synced 512 bytes are fresh");
    }

    @Test
    void arm64SyncForCpuDiscardsCpuStoresInsideTheBufferButKeepsEdgeNeighbours() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long buf = b.phys() + 0x10; // a buffer that does not start on a line
        b.vm().cpuWrite(b.kva(), new byte[] {7}); // a neighbour sharing the buffer's first line
        b.arch().syncDmaForDevice(buf, 0x100, DmaDirection.FROM_DEVICE);
        b.vm().cpuWrite(b.kva() + 0x80, new byte[] {9}); // the CPU scribbles into the buffer during DMA
        b.vm().cpuWrite(b.kva(), new byte[] {8}); // and updates its neighbour
        b.cache().device(false).write(buf, payload(4), 0, 0x100);
        b.arch().syncDmaForCpu(buf, 0x100, DmaDirection.FROM_DEVICE);
        assertEquals(8, b.vm().cpuRead(b.kva(), 1)[0], "the partial first line was cleaned, not discarded");
        assertEquals(payload(4)[0x70], b.vm().cpuRead(b.kva() + 0x80, 1)[0], "the interior store was discarded");
        assertEquals(1, b.cache().stats().dirtyLinesDiscarded());
        assertEquals(0, b.vm().cpuRead(b.kva() + 0x10, 1)[0],
            "and the first line's write-back overwrote what the device put there: the ARCH_DMA_MINALIGN hazard");
    }

    @Test
    void arm64PrepCoherentWritesTheLinearAliasBackAndOn61EvictsIt() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        b.vm().cpuWrite(b.kva(), payload(5));
        b.arch().prepCoherent(b.phys(), Page.PAGE_SIZE);
        assertArrayEquals(payload(5), b.cache().ram().read(b.phys(), LEN));
        assertFalse(b.cache().line(b.phys()).present(), "6.1's prep is dcache_clean_inval_poc: the lines leave");
        b.cache().uncached().write(b.phys(), new byte[] {42});
        assertEquals(42, b.vm().cpuRead(b.kva(), 1)[0], "nothing cached is left to go stale");
    }

    @Test
    void arm64PrepCoherentOn612OnlyCleansSoTheLinearAliasGoesStale() {
        Board b = Board.boot("qemu-virt-arm64", Map.of("kernel", "6.12"));
        b.vm().cpuWrite(b.kva(), payload(5));
        b.arch().prepCoherent(b.phys(), Page.PAGE_SIZE);
        assertArrayEquals(payload(5), b.cache().ram().read(b.phys(), LEN));
        assertFalse(b.cache().line(b.phys()).dirty());
        assertTrue(b.cache().line(b.phys()).present(), "6.12's prep is dcache_clean_poc: the lines stay");
        b.cache().uncached().write(b.phys(), new byte[] {42});
        assertEquals(payload(5)[0], b.vm().cpuRead(b.kva(), 1)[0], "the cached linear alias still holds the old byte");
    }

    @Test
    void x86DevicesSnoopSoEveryFlowIsRightWithoutMaintenance() {
        Board b = Board.boot("pc-x86_64", Map.of());
        PhysMemory dev = b.cache().device(true);
        b.vm().cpuWrite(b.kva(), payload(6));
        assertArrayEquals(payload(6), dev.read(b.phys(), LEN), "TO_DEVICE without a clean");
        b.vm().cpuRead(b.kva() + 4096, LEN);
        dev.write(b.phys() + 4096, payload(7));
        assertArrayEquals(payload(7), b.vm().cpuRead(b.kva() + 4096, LEN), "FROM_DEVICE without an invalidate");
        CacheStats before = b.cache().stats();
        b.arch().syncDmaForDevice(b.phys(), LEN, DmaDirection.TO_DEVICE);
        b.arch().syncDmaForCpu(b.phys(), LEN, DmaDirection.FROM_DEVICE);
        CacheStats after = b.cache().stats().since(before);
        assertEquals(0, after.linesCleaned() + after.linesInvalidated(), "x86's hooks do nothing");
        assertEquals(0, after.staleCpuReads() + after.staleDeviceReads());
    }

    @Test
    void pageZeroingGoesThroughTheCacheAsTheKernelsClearPageDoes() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long pfn = Page.pfnDown(b.phys());
        b.vm().cpuWrite(b.kva(), payload(8)); // dirty lines left behind by the page's last owner
        b.buddy().freePages(pfn, 1);
        long again = b.buddy().allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 1);
        assertEquals(pfn, again, "the same block comes back");
        assertArrayEquals(new byte[LEN], b.vm().cpuRead(b.kva(), LEN));
    }

    @Test
    void evictionComesFromTheConfigurationOrTheProfile() {
        Board b = Board.boot("qemu-virt-arm64", Map.of(PlatformConfig.CACHE_EVICT, "seed=3,rate=0.5"));
        assertEquals(new CacheEviction(3, 0.5), b.cache().eviction());
        BootResult r = Platforms.bootProfile("qemu-virt-arm64", Map.of(PlatformConfig.CACHE_EVICT, "seed=3,rate=0.5"));
        assertTrue(r.log().lines().stream().anyMatch(l -> l.text().startsWith(
            "CPU data cache: random write-back eviction seed=3,rate=0.5")), "a dmasim remark names it");
        InvalidInputException bad = assertThrows(InvalidInputException.class,
            () -> Platforms.boot(Map.of("profile", "qemu-virt-arm64", PlatformConfig.CACHE_EVICT, "often")));
        assertEquals("cache.evict = 'often': expected none or seed=N,rate=R (N a whole number, R from 0 to 1, e.g."
            + " seed=1,rate=0.01)", bad.getMessage());
    }
}
