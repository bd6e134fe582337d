package org.dmasim.platform.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.atomicpool.AtomicPoolBoot;
import org.dmasim.cma.CmaBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.swiotlb.SwiotlbBoot;
import org.junit.jupiter.api.Test;

/**
 * Backend instances on a running platform, without a framework: what the boot starts, a backend
 * replaced by a new instance made as the kernel's late init paths make it, the old instance
 * released (its memory given back), and the instance view.
 */
class BackendSwapTest {
    private final BootResult boot = Platforms.bootProfile("qemu-virt-arm64", Map.of());
    private final PlatformRuntime runtime = boot.runtime().orElseThrow();
    private final BackendInstances instances = boot.lookup(BackendInstances.class).orElseThrow();
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();

    @Test
    void theBootStartsOneInstancePerBackendAndOffersItsServices() {
        assertEquals(List.of("mm.buddy#1", "cma#1", "swiotlb#1", "atomicpool#1"),
            instances.instances().stream().map(BackendInstance::id).toList());
        assertTrue(instances.instances().stream().allMatch(b -> b.state() == BackendState.ACTIVE));
        SwiotlbPool pool = boot.lookup(SwiotlbPool.class).orElseThrow();
        assertSame(pool, runtime.active(SwiotlbPool.class).orElseThrow().service());
        assertEquals("swiotlb#1", runtime.active(SwiotlbPool.class).orElseThrow().instance().id());
        assertEquals("bounce pool [mem 0x00000000f8000000-0x00000000fc000000] (64MB), 32768 slots",
            instances.instance("swiotlb#1").orElseThrow().description());
    }

    @Test
    void aNewSwiotlbInstanceIsMadeFromThePageAllocatorAndTheOldOneGivesItsMemoryBack() {
        buddy.drainAllPages();
        long freeBefore = buddy.freePages();
        runtime.startLate(new SwiotlbBoot());
        assertEquals(BackendState.RELEASED, instances.instance("swiotlb#1").orElseThrow().state(),
            "the boot pool held nothing: released at once");
        SwiotlbPool late = boot.lookup(SwiotlbPool.class).orElseThrow();
        assertEquals("swiotlb#2", instances.active("swiotlb").orElseThrow().id());
        // swiotlb_init_late: 64 MiB is order 14; 6.1 hands out at most order 10, so 4 MiB it is.
        assertEquals(2048, late.nslabs());
        assertEquals(ZoneType.DMA, buddy.zoneOf(late.start() >>> 12).orElseThrow(), "where 32-bit devices reach it");
        List<String> log = boot.log().kernelText();
        assertTrue(log.contains("software IO TLB: only able to allocate 4 MB"), log.toString());
        assertTrue(log.contains(String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (4MB)", late.start(),
            late.end())), log.toString());
        // back: the 64 MiB pool and its 768 KiB slot array; taken: 4 MiB, 48 KiB of slots (order 4), a page of areas
        long expected = (64L << 20) / 4096 + 192 - 1024 - 16 - 1;
        buddy.drainAllPages(); // the area array's page came through a per-CPU list, which kept the rest of its batch
        assertEquals(freeBefore + expected, buddy.freePages());
    }

    @Test
    void aBootWithoutAPoolGetsNoneLateEither() {
        BootResult noPool = Platforms.bootProfile("qemu-virt-arm64", Map.of("cmdline", "swiotlb=noforce"));
        PlatformRuntime rt = noPool.runtime().orElseThrow();
        rt.startLate(new SwiotlbBoot());
        assertEquals(0, noPool.lookup(SwiotlbPool.class).orElseThrow().nslabs());
        assertEquals("no bounce pool", rt.active("swiotlb").orElseThrow().description());
    }

    @Test
    void aReconfiguredSwiotlbGetsAPoolOfTheConfiguredSizeAndTheServingOneDrains() {
        SwiotlbBoot configured = new SwiotlbBoot(Map.of("late.size", "2M"));
        runtime.startLate(configured);
        // swiotlb_init_late(2 MiB): 1024 slots, order 9, which the page allocator has: no retry, no warning.
        SwiotlbPool twoMb = boot.lookup(SwiotlbPool.class).orElseThrow();
        assertEquals(1024, twoMb.nslabs());
        assertTrue(boot.log().kernelText().contains(String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (2MB)",
            twoMb.start(), twoMb.end())), boot.log().kernelText().toString());
        assertFalse(boot.log().kernelText().stream().anyMatch(l -> l.contains("only able to allocate")));

        // Its configuration changes again: the same participant replaces its own instance.
        configured.modified(Map.of("late.size", "3M"));
        runtime.replace(configured);
        assertEquals("swiotlb#3", instances.active("swiotlb").orElseThrow().id());
        assertEquals(BackendState.RELEASED, instances.instance("swiotlb#2").orElseThrow().state(), "held nothing");
        assertEquals(2048, boot.lookup(SwiotlbPool.class).orElseThrow().nslabs(), "3 MiB is rounded up to a block: 4 MiB");
        assertTrue(boot.log().lines().stream().anyMatch(l -> l.text().equals(
            "swiotlb: configuration changed: starting a new instance on the running platform")));
    }

    @Test
    void aLateSizeSwiotlbInitLateCannotSatisfyIsRefusedAndTheServingPoolStays() {
        for (String bad : List.of("1M", "0x100000", "12Q", "big")) {
            runtime.replace(new SwiotlbBoot(Map.of("late.size", bad)));
            assertEquals("swiotlb#1", instances.active("swiotlb").orElseThrow().id(), bad);
            assertEquals(32768, boot.lookup(SwiotlbPool.class).orElseThrow().nslabs(), bad);
        }
        List<String> refusals = boot.log().lines().stream().map(l -> l.text())
            .filter(t -> t.startsWith("swiotlb: the new instance could not start")).toList();
        assertEquals(4, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).contains("swiotlb configuration org.dmasim.swiotlb: late.size = 1M: swiotlb_init_late"
            + " fails with -ENOMEM for a pool of 1 MiB or less"), refusals.get(0));
        assertTrue(refusals.get(0).endsWith("the old one keeps serving"), refusals.get(0));
        assertTrue(refusals.get(2).contains("late.size = 12Q: invalid size '12Q'"), refusals.get(2));
        assertTrue(refusals.get(3).contains("late.size = big: 'big' is not a size"), refusals.get(3));
        assertTrue(refusals.stream().noneMatch(r -> r.contains("defect")), refusals.toString());
    }

    @Test
    void aLateSizeBeyondTheLargestBlockEndsAsTheLargestBlockWithTheKernelsWarning() {
        runtime.replace(new SwiotlbBoot(Map.of("late.size", "1G")));
        assertEquals(2048, boot.lookup(SwiotlbPool.class).orElseThrow().nslabs());
        assertTrue(boot.log().kernelText().contains("software IO TLB: only able to allocate 4 MB"));
    }

    @Test
    void newAtomicPoolsAreMadeAtRunTimeAndTheOldChunksGoBack() {
        AtomicPools old = boot.lookup(AtomicPools.class).orElseThrow();
        CmaAreas cma = boot.lookup(CmaAreas.class).orElseThrow();
        long cmaUsed = cma.defaultArea().orElseThrow().used();
        runtime.startLate(new AtomicPoolBoot());
        AtomicPools fresh = boot.lookup(AtomicPools.class).orElseThrow();
        assertNotEquals(old, fresh);
        assertEquals(BackendState.RELEASED, instances.instance("atomicpool#1").orElseThrow().state());
        assertEquals(6, boot.log().kernelText().stream()
            .filter(l -> l.startsWith("DMA: preallocated 512 KiB")).count(), "dma_atomic_pool_init ran again");
        assertEquals(cmaUsed, cma.defaultArea().orElseThrow().used(), "the old chunks went back to CMA, the new came from it");
    }

    @Test
    void aNewCmaInstanceAdoptsTheAreasTheBootReserved() {
        CmaAreas areas = boot.lookup(CmaAreas.class).orElseThrow();
        runtime.startLate(new CmaBoot());
        assertSame(areas, boot.lookup(CmaAreas.class).orElseThrow());
        assertEquals("cma#2", instances.active("cma").orElseThrow().id());
        assertTrue(instances.active("cma").orElseThrow().description().startsWith("the boot's CMA areas, adopted:"));
        assertEquals(BackendState.RELEASED, instances.instance("cma#1").orElseThrow().state());
    }

    @Test
    void forcingOutWhatDoesNotExistIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> instances.forceOut("swiotlb#9"));
        assertTrue(e.getMessage().contains("no such instance on platform qemu-virt-arm64"), e.getMessage());
    }
}
