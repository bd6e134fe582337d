package org.dmasim.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.itests.PayloadLoad.Tally;
import org.dmasim.itests.PayloadLoad.Transfer;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/**
 * The {@code iommu.smmu} bundle stopped and started under load on a running platform: the SMMUv3
 * backend leaves while two driver threads move checksummed payloads through the edu device behind
 * it, and comes back.
 *
 * <p>The board is {@code qemu-virt-arm64-smmuv3}: the edu device 0000:00:02.0 is translated by
 * dma-iommu, its driver set a 64-bit mask, so its maps get IOVAs below 4 GiB (the 32-bit-first
 * rule for PCI devices) while every buffer lies above 4 GiB. A handle below 4 GiB is therefore an
 * IOVA; a handle equal to the buffer's physical address is dma-direct's.
 *
 * <p>Each thread (on a CPU of its own: the IOVA caches are per CPU) keeps {@value #IN_FLIGHT}
 * mappings in flight and finishes the oldest after starting a new one, so IOMMU mappings are live
 * when the bundle stops and are finished (device access through their IOVAs, sync, unmap) after
 * it, while new maps already go to dma-direct. Payloads are random (seed printed; rerun one with
 * {@code -Ddmasim.seed=N}); each direction is checked byte for byte.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SmmuHotSwapIT extends DmasimTestSupport {
    private static final String BOARD = "smmu-hotswap";
    private static final String BACKEND = "iommu.smmu";
    private static final String EDU = "0000:00:02.0";
    private static final long FOUR_GIB = 0x1_0000_0000L;
    private static final int PAGE = (int) Page.PAGE_SIZE;
    /** Buffers are order-1 blocks: a payload may cross a page boundary, as its IOVA range then does. */
    private static final int BLOCK = 2 * PAGE;
    private static final int IN_FLIGHT = 4;
    private static final int BEFORE_STOP = 150;
    private static final int AFTER_STOP = 150;

    @Test
    public void stoppedUnderLoadTheSmmuDrainsOnItsIovasAndStartedAgainItTranslatesAfresh() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("SmmuHotSwapIT seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");

        // 1. The board, with DMA-API debugging built in: every unmap and sync, on either ops, is
        //    checked as kernel/dma/debug.c checks it.
        createPlatform(BOARD, Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-smmuv3",
            PlatformConfig.KCONFIG, new String[] {"DMA_API_DEBUG=y"}));
        ServiceReference<Platform> ref = awaitState(BOARD, State.BOOTED);
        Object bootedServiceId = ref.getProperty(Constants.SERVICE_ID);
        Board board = withPlatform(ref, Board::new);
        BackendInstances instances = backendInstances(BOARD);

        String bootSmmu = awaitActive(instances, BACKEND);
        assertEquals("iommu", board.opsName());
        Iommu bootIommu = context.getService(service(Iommu.class, BOARD));
        assertEquals(List.of("arm-smmu-v3 9050000.smmuv3"), bootIommu.units());
        assertEquals("DMA", bootIommu.group(board.edu).orElseThrow().type());

        // 2. Two drivers move payloads; once both are half way, the bundle stops.
        CountDownLatch halfWay = new CountDownLatch(2);
        PayloadLoad.Event stop = new PayloadLoad.Event();
        BackendInstance draining = instances.instance(bootSmmu).orElseThrow();
        PayloadLoad.Shape shape = new PayloadLoad.Shape(IN_FLIGHT, BEFORE_STOP, AFTER_STOP, TIMEOUT);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<Future<Tally>> drivers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            // each on a CPU of its own (the IOVA caches are per CPU); order-1 blocks
            drivers.add(threads.submit(new PayloadLoad.Driver(board, board.blocks(IN_FLIGHT + 2), BLOCK, t + 1,
                new Random(seed + t), halfWay, stop, shape,
                x -> translated(x) && draining.state() == BackendState.DRAINING)));
        }
        assertTrue("both drivers reached half way", halfWay.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));

        Bundle smmu = bundle("org.dmasim.iommu.smmu");
        stop.requested = true; // maps started from now on may go either way
        smmu.stop();
        // Each driver holds one IOMMU mapping it finishes only after the stop: the instance drains.
        awaitInstance(instances, bootSmmu, BackendState.DRAINING);
        stop.done = true; // maps started from now on must be dma-direct's
        assertTrue("the Iommu service left with the bundle", iommuServices().isEmpty());
        assertTrue(withPlatform(ref, p -> p.lookup(Iommu.class)).isEmpty());

        threads.shutdown();
        assertTrue("the drivers finished", threads.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        Tally total = new Tally();
        for (Future<Tally> f : drivers) {
            total.add(f.get());
        }
        System.out.println("SmmuHotSwapIT: " + total + "; " + total.count(SmmuHotSwapIT::translated) + " translated");

        // The instance served the mappings the drivers held at the stop (device access through
        // their IOVAs, syncs, unmaps, payloads intact) and was released by the last unmap.
        assertTrue("IOMMU mappings were finished while the instance drained: " + total.drained, total.drained >= 2);
        BackendInstance old = instances.instance(bootSmmu).orElseThrow();
        assertEquals(BackendState.RELEASED, old.state());
        assertFalse(old.forcedOut());
        assertEquals(0, old.held());
        assertTrue("instances of " + BACKEND + ": " + instances.instances(), instances.active(BACKEND).isEmpty());

        assertEquals("maps started before the stop that were not translated", 0,
            total.count(x -> x.beforeEvent() && !translated(x)));
        assertTrue("the IOMMU translated maps before the stop", total.count(SmmuHotSwapIT::translated) > 0);
        assertTrue("each driver mapped after the stop", total.afterEvent >= 2 * AFTER_STOP);
        assertEquals("maps started after the stop that were not dma-direct's", 0,
            total.count(x -> x.afterEvent() && !direct(x)));
        // A map racing with the stop must go to dma-direct, not fail: the remark names any that failed.
        assertEquals("maps that failed: " + board.remarks("take no new work"), 0, total.mapErrors);
        assertEquals("bytes the other side saw wrong", 0, total.corruptedBytes);
        assertEquals("every transfer finished: both of its payloads checked", total.payloadBytes(), total.checkedBytes);
        assertTrue("nothing left mapped", board.dma.mappings().isEmpty());

        // Released: the device has left the SMMU and is on dma-direct alone.
        DmaAddr direct = board.map(board.blocks(1)[0], 64, DmaDirection.TO_DEVICE);
        assertTrue("no DMA ops once the IOMMU is gone", board.dma.dmaOps(board.edu).isEmpty());
        board.dma.unmapSingle(board.edu, direct, 64, DmaDirection.TO_DEVICE, 0);

        // 3. Started again on the running platform: a late probe, the device translated afresh.
        smmu.start();
        String again = awaitActive(instances, BACKEND, bootSmmu);
        Iommu iommu = context.getService(service(Iommu.class, BOARD));
        assertEquals(again, iommuServices().get(0).getProperty(Backends.INSTANCE_PROPERTY));
        assertEquals("iommu", board.opsName());
        assertEquals("DMA", iommu.group(board.edu).orElseThrow().type());
        assertEquals("the probe's lines again", 2, board.log().stream()
            .filter(("pci " + EDU + ": Adding to iommu group 0")::equals).count());

        long[] bufs = board.blocks(3);
        Random rng = new Random(seed ^ 0x5a5a);
        List<DmaAddr> handles = new ArrayList<>();
        List<byte[]> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DmaAddr a = board.map(bufs[i], PAGE, DmaDirection.FROM_DEVICE);
            handles.add(a);
            byte[] payload = DeviceDma.pattern(rng, PAGE);
            board.deviceWrite(a, payload);
            written.add(payload);
        }
        assertEquals("a fresh domain: IOVAs from the top of the 32-bit space down",
            List.of(0xfffff000L, 0xffffe000L, 0xffffd000L), handles.stream().map(DmaAddr::value).toList());
        assertEquals(3, instances.instance(again).orElseThrow().held());
        for (int i = 0; i < 3; i++) {
            board.dma.unmapSingle(board.edu, handles.get(i), PAGE, DmaDirection.FROM_DEVICE, 0);
            assertArrayEquals("the device's write through the new IOVA reached the CPU", written.get(i),
                board.cpuRead(bufs[i], PAGE));
        }
        assertEquals(0, instances.instance(again).orElseThrow().held());
        assertEquals(BackendState.ACTIVE, instances.instance(again).orElseThrow().state());

        assertEquals("DMA-API debugging found nothing to report", 0,
            board.dma.dmaDebug().orElseThrow().errorCount());
        assertEquals("the platform never re-booted", bootedServiceId,
            platformReference(BOARD).getProperty(Constants.SERVICE_ID));

        // 4. Forced out with two mappings live: they are revoked (their IOVAs leave the page table
        //    at once), reported as DMA-API debugging reports a driver unbound with live DMA, later
        //    use of them is refused, what the device wrote before stays, new work is dma-direct's.
        long[] more = board.blocks(2);
        DmaAddr live = board.map(more[0], PAGE, DmaDirection.FROM_DEVICE);
        byte[] payload = DeviceDma.pattern(rng, PAGE);
        board.deviceWrite(live, payload);
        DmaAddr other = board.map(more[1], PAGE, DmaDirection.TO_DEVICE);
        assertTrue("both translated", Long.compareUnsigned(live.value(), FOUR_GIB) < 0
            && Long.compareUnsigned(other.value(), FOUR_GIB) < 0);
        assertEquals("held through the device's domain, counted once each", 2,
            instances.instance(again).orElseThrow().held());
        List<String> report = instances.forceOut(again);
        assertEquals(String.join("\n", report), 2,
            report.stream().filter(l -> l.contains(" revoked: " + again + " was forced out")).count());
        BackendInstance forced = instances.instance(again).orElseThrow();
        assertEquals(BackendState.RELEASED, forced.state());
        assertTrue(forced.forcedOut());
        assertArrayEquals("the device's write before the force-out stays", payload, board.cpuRead(more[0], PAGE));
        BusFault fault = assertThrows(BusFault.class, () -> board.deviceRead(live, 16));
        assertTrue(fault.getMessage(), fault.getMessage().contains("revoked mapping (" + again + " was forced out)"));
        IllegalArgumentException unmap = assertThrows(IllegalArgumentException.class,
            () -> board.dma.unmapSingle(board.edu, other, PAGE, DmaDirection.TO_DEVICE, 0));
        assertTrue(unmap.getMessage(), unmap.getMessage().contains("was revoked when " + again + " was forced out"));
        assertTrue("no live mappings left", board.dma.mappings().isEmpty());
        DmaAddr after = board.map(more[1], 64, DmaDirection.TO_DEVICE);
        assertEquals("dma-direct's once the IOMMU is forced out", more[1], after.value());
        board.dma.unmapSingle(board.edu, after, 64, DmaDirection.TO_DEVICE, 0);

        // 5. Started while a driver maps and unmaps without pause: the device moves to the IOMMU
        //    between two of its maps, and none of them fails.
        smmu.stop();
        long buf = board.blocks(1)[0];
        AtomicBoolean mapping = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicLong translatedMaps = new AtomicLong();
        Thread driver = new Thread(() -> {
            try {
                while (mapping.get()) {
                    DmaAddr a = board.map(buf, PAGE, DmaDirection.FROM_DEVICE);
                    assertFalse("a map while the IOMMU starts", a.isMappingError());
                    if (Long.compareUnsigned(a.value(), FOUR_GIB) < 0) {
                        translatedMaps.incrementAndGet();
                    }
                    board.dma.unmapSingle(board.edu, a, PAGE, DmaDirection.FROM_DEVICE, 0);
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        driver.start();
        smmu.start();
        String last = awaitActive(instances, BACKEND, again);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (translatedMaps.get() < 100 && failed.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        mapping.set(false);
        driver.join();
        assertEquals("the driver's maps and unmaps across the start", null, failed.get());
        assertTrue("the driver's maps went through the IOMMU once it started", translatedMaps.get() >= 100);
        assertEquals(0, instances.instance(last).orElseThrow().held());
        assertTrue("nothing left mapped", board.dma.mappings().isEmpty());
    }

    private List<ServiceReference<Iommu>> iommuServices() throws Exception {
        return new ArrayList<>(context.getServiceReferences(Iommu.class,
            "(" + Platform.PLATFORM_PROPERTY + "=" + BOARD + ")"));
    }

    // ---- the load ----

    /** A handle below 4 GiB is an IOVA of the SMMU's (RAM lies above it on this board). */
    private static boolean translated(Transfer t) {
        return Long.compareUnsigned(t.handle().value(), FOUR_GIB) < 0;
    }

    /** dma-direct's handle: the physical address. */
    private static boolean direct(Transfer t) {
        return t.handle().value() == t.phys();
    }

    // ---- the board as a driver sees it ----

    /** The edu device's DMA, its driver's 64-bit mask, and the platform's page allocator and log. */
    private static final class Board extends DeviceDma {
        final Platform platform;
        final PageAllocator buddy;
        final DmaDevice edu;

        Board(Platform p) {
            super(p, p.lookup(DmaApi.class).orElseThrow().device(EDU).orElseThrow());
            this.platform = p;
            this.buddy = p.lookup(PageAllocator.class).orElseThrow();
            this.edu = dev;
            assertEquals("dma_set_mask_and_coherent(DMA_BIT_MASK(64))", 0, dma.setMaskAndCoherent(edu, -1L));
        }

        String opsName() {
            return dma.dmaOps(edu).orElseThrow().name();
        }

        List<String> log() {
            return platform.bootLog().kernelText();
        }

        /** The simulator's own remarks in the platform log that contain {@code text}. */
        List<String> remarks(String text) {
            return platform.bootLog().lines().stream().filter(l -> l.level() == LogLine.Level.DMASIM)
                .map(LogLine::text).filter(t -> t.contains(text)).toList();
        }

        /**
         * Order-1 blocks above 4 GiB: their dma-direct bus addresses never meet the IOVAs, which
         * the 32-bit-first rule keeps below 4 GiB.
         */
        long[] blocks(int n) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 1));
                assertTrue("a block above 4 GiB: " + Long.toHexString(out[i]), out[i] >= FOUR_GIB);
            }
            return out;
        }
    }
}
