package org.dmasim.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.itests.PayloadLoad.Tally;
import org.dmasim.itests.PayloadLoad.Transfer;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;

/**
 * Hot swap under load, end to end: the swiotlb backend of a running platform is replaced by a
 * pool of another size while two driver threads map, move checksummed payloads through a device
 * and unmap; then the new pool is forced out with mappings still live.
 *
 * <p>The board is {@code arm64-split-4g}: RAM below 4 GiB and at 16 GiB, and a device whose driver
 * set a 32-bit mask. Every buffer comes from the high bank, so every payload bounces through
 * swiotlb. The replacement is the swiotlb backend's configuration ({@code org.dmasim.swiotlb},
 * {@code late.size}): updating it makes a new pool the way {@code swiotlb_init_late} makes one,
 * and the platform keeps running.
 *
 * <p>Each thread keeps {@value #IN_FLIGHT} mappings in flight and finishes the oldest after
 * starting a new one, so mappings made by the old pool are live when the swap comes and are
 * finished (device access, sync, unmap) after it. Payloads are random (seed printed; rerun one
 * with {@code -Ddmasim.seed=N}); each direction is checked byte for byte: what the CPU wrote is what
 * the device reads, what the device wrote is what the CPU reads after {@code
 * dma_sync_single_for_cpu} and after the unmap.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwiotlbHotSwapIT extends DmasimTestSupport {
    private static final String BOARD = "hotswap-board";
    private static final long DMA_BIT_MASK_32 = 0xffffffffL;
    private static final int PAGE = (int) Page.PAGE_SIZE;
    /** Mappings each thread keeps live between its steps. */
    private static final int IN_FLIGHT = 4;
    /** Transfers each thread finishes before the swap may happen, and after it has happened. */
    private static final int BEFORE_SWAP = 150;
    private static final int AFTER_SWAP = 150;
    private static final Pattern DRAINING = Pattern.compile(
        "(swiotlb#\\d+): replaced; draining: .* of the (\\d+) it holds");

    private Configuration swiotlbConfig;

    @After
    public void deleteSwiotlbConfiguration() throws Exception {
        if (swiotlbConfig != null) {
            swiotlbConfig.delete();
        }
    }

    @Test
    public void aResizedPoolTakesOverUnderLoadTheOldDrainsAndAForcedOutPoolLosesNothing() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("SwiotlbHotSwapIT seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");

        // 1. The board, with DMA-API debugging built in: every unmap and sync the drained pool
        //    serves is checked as kernel/dma/debug.c checks it.
        createPlatform(BOARD, Map.of(PlatformConfig.PROFILE, "arm64-split-4g",
            PlatformConfig.KCONFIG, new String[] {"DMA_API_DEBUG=y"}));
        ServiceReference<Platform> ref = awaitState(BOARD, State.BOOTED);
        Object bootedServiceId = ref.getProperty(Constants.SERVICE_ID);
        Board board = withPlatform(ref, Board::new);
        BackendInstances instances = backendInstances(BOARD);

        SwiotlbPool bootPool = board.swiotlb();
        String bootTlb = instances.active("swiotlb").orElseThrow().id();
        assertEquals("the boot's pool: 64 MiB below 4 GiB", 32768, bootPool.nslabs());

        // 2. Two driver threads move payloads; once both are half way, the swiotlb backend is
        //    reconfigured to a 2 MiB pool.
        CountDownLatch halfWay = new CountDownLatch(2);
        PayloadLoad.Event swap = new PayloadLoad.Event();
        BackendInstance draining = instances.instance(bootTlb).orElseThrow();
        PayloadLoad.Shape shape = new PayloadLoad.Shape(IN_FLIGHT, BEFORE_SWAP, AFTER_SWAP, TIMEOUT);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<Future<Tally>> drivers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            // pages above 4 GiB: every map bounces
            drivers.add(threads.submit(new PayloadLoad.Driver(board, board.highPages(IN_FLIGHT + 2), PAGE, -1,
                new Random(seed + t), halfWay, swap, shape,
                x -> in(bootPool).test(x) && draining.state() == BackendState.DRAINING)));
        }
        assertTrue("both drivers reached half way", halfWay.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));

        swiotlbConfig = configAdmin.getConfiguration("org.dmasim.swiotlb", "?");
        Dictionary<String, Object> resized = new Hashtable<>();
        resized.put("late.size", "2M");
        swap.requested = true;
        swiotlbConfig.update(resized);

        String newTlb = awaitActive(instances, "swiotlb", bootTlb);
        awaitInstance(instances, bootTlb, BackendState.DRAINING);
        swap.done = true; // a map the drivers start from now on must land in the new pool
        SwiotlbPool newPool = board.swiotlb();
        assertEquals("swiotlb_init_late(2 MiB): 1024 slots", 1024, newPool.nslabs());
        assertTrue(instances.instance(newTlb).orElseThrow().description().contains("(2MB), 1024 slots"));
        assertTrue(board.log().contains(String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (2MB)",
            newPool.start(), newPool.end())));

        threads.shutdown();
        assertTrue("the drivers finished", threads.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        Tally total = new Tally();
        for (Future<Tally> f : drivers) {
            total.add(f.get());
        }
        System.out.println("SwiotlbHotSwapIT: " + total);

        // The old instance was draining with the mappings the drivers held at the swap (counted
        // as they were finished: made in the old pool, finished while it drained; at least the
        // one each driver kept across the swap), served each one's syncs and unmap with the
        // payloads intact (below), and was released by the last unmap.
        assertTrue("mappings were live in the old pool at the swap: " + total.drained, total.drained >= 2);
        System.out.println("SwiotlbHotSwapIT: " + bootTlb + " held " + heldWhenReplaced(board, bootTlb)
            + " mappings when it was replaced");
        BackendInstance old = instances.instance(bootTlb).orElseThrow();
        assertEquals(BackendState.RELEASED, old.state());
        assertFalse(old.forcedOut());
        assertEquals(0, old.held());
        assertTrue(board.platformLog().stream().anyMatch(l -> l.text().startsWith(String.format(
            "software IO TLB: pool [mem 0x%016x-0x%016x] released", bootPool.start(), bootPool.end()))));

        // New mappings went to the new pool; nothing was lost or corrupted.
        assertTrue("each driver mapped after the swap", total.afterEvent >= 2 * AFTER_SWAP);
        assertEquals("maps started after the swap that landed elsewhere", 0,
            total.count(x -> x.afterEvent() && !in(newPool).test(x)));
        assertTrue("the old pool served maps before the swap", total.count(in(bootPool)) > 0);
        assertEquals("maps that failed", 0, total.mapErrors);
        assertEquals("bytes the other side saw wrong", 0, total.corruptedBytes);
        assertEquals("every transfer finished: both of its payloads checked", total.payloadBytes(), total.checkedBytes);
        assertEquals("every slot of the new pool is back", 0, newPool.stats().used());
        assertEquals("DMA-API debugging found nothing to report", 0,
            board.dma.dmaDebug().orElseThrow().errorCount());
        assertEquals("the platform never re-booted", bootedServiceId,
            platformReference(BOARD).getProperty(Constants.SERVICE_ID));

        // 3. Forced out with live mappings: what the device wrote reaches the CPU, the mappings
        //    are revoked and reported as DMA-API debug reports a driver leaving with live DMA,
        //    and the device's later access faults instead of reaching memory.
        long[] bufs = board.highPages(3);
        byte[] received = DeviceDma.pattern(new Random(seed ^ 0x5a5a), 3000);
        byte[] sent = DeviceDma.pattern(new Random(seed ^ 0xa5a5), 1500);
        DmaAddr rx = board.map(bufs[0], 3000, DmaDirection.FROM_DEVICE);
        board.deviceWrite(rx, received);
        board.cpuWrite(bufs[1], sent);
        DmaAddr tx = board.map(bufs[1], 1500, DmaDirection.TO_DEVICE);
        DmaAddr bidi = board.map(bufs[2], 4096, DmaDirection.BIDIRECTIONAL);
        board.deviceWrite(bidi.plus(100), sent);
        assertEquals(3, instances.instance(newTlb).orElseThrow().held());

        List<String> report = instances.forceOut(newTlb);
        String dev = board.dev.name();
        assertTrue(String.join("\n", report), report.contains("DMA-API: platform " + dev
            + ": device driver has pending DMA allocations while released from device [count=3]"));
        // The details of one of them, whichever the walk meets (as in the kernel, any one).
        List<String> leaked = List.of(leakedEntry(rx, 3000, "DMA_FROM_DEVICE"), leakedEntry(tx, 1500, "DMA_TO_DEVICE"),
            leakedEntry(bidi, 4096, "DMA_BIDIRECTIONAL"));
        assertEquals(String.join("\n", report), 1, report.stream().filter(leaked::contains).count());
        assertEquals("one line per revoked mapping", 3, report.stream().filter(l -> l.contains(" revoked: " + newTlb
            + " was forced out")).count());
        assertTrue(board.log().contains("DMA-API: platform " + dev
            + ": device driver has pending DMA allocations while released from device [count=3]"));

        assertArrayEquals("nothing lost: the bounce buffer was copied back", received, board.cpuRead(bufs[0], 3000));
        assertArrayEquals("the device's write reached the CPU", sent, slice(board.cpuRead(bufs[2], 4096), 100, 1500));
        BackendInstance forced = instances.instance(newTlb).orElseThrow();
        assertEquals(BackendState.RELEASED, forced.state());
        assertTrue(forced.forcedOut());

        BusFault fault = assertThrows(BusFault.class, () -> board.deviceRead(rx, 16));
        assertTrue(fault.getMessage(), fault.getMessage().contains("revoked mapping (" + newTlb + " was forced out)"));
        assertThrows(BusFault.class, () -> board.deviceWrite(tx.plus(8), sent));
        IllegalArgumentException unmap = assertThrows(IllegalArgumentException.class,
            () -> board.dma.unmapSingle(board.dev, rx, 3000, DmaDirection.FROM_DEVICE, 0));
        assertTrue(unmap.getMessage(), unmap.getMessage().contains("was revoked when " + newTlb + " was forced out"));
        assertThrows(IllegalArgumentException.class,
            () -> board.dma.syncSingleForCpu(board.dev, bidi, 4096, DmaDirection.BIDIRECTIONAL));
        assertTrue("no live mappings left", board.dma.mappings().isEmpty());

        // Without a swiotlb instance the high bank is out of the device's reach ...
        assertTrue(board.dma.mapSingle(board.dev, board.kva(bufs[0]), 64, DmaDirection.TO_DEVICE, 0)
            .isMappingError());

        // ... until the backend's configuration changes again: a new pool, and the device is back.
        resized.put("late.size", "4M");
        swiotlbConfig.update(resized);
        String back = awaitActive(instances, "swiotlb", newTlb);
        assertEquals(2048, board.swiotlb().nslabs());
        board.cpuWrite(bufs[0], received);
        DmaAddr again = board.map(bufs[0], 3000, DmaDirection.TO_DEVICE);
        assertArrayEquals(received, board.deviceRead(again, 3000));
        board.dma.unmapSingle(board.dev, again, 3000, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, instances.instance(back).orElseThrow().held());
        assertEquals(bootedServiceId, platformReference(BOARD).getProperty(Constants.SERVICE_ID));
    }

    /** DMA-API debug's description of a leaked streaming mapping. */
    private static String leakedEntry(DmaAddr a, int size, String dir) {
        return String.format("One of leaked entries details: [device address=0x%016x] [size=%d bytes] [mapped with %s]"
            + " [mapped as single]", a.value(), size, dir);
    }

    /**
     * The holdings the old instance had when the new one replaced it, as the platform logged them
     * ({@code swiotlb#1: replaced; draining: ... of the N it holds}).
     */
    private static long heldWhenReplaced(Board board, String id) {
        for (LogLine l : board.platformLog()) {
            Matcher m = DRAINING.matcher(l.text());
            if (m.find() && m.group(1).equals(id)) {
                return Long.parseLong(m.group(2));
            }
        }
        throw new AssertionError(id + " was not replaced while holding mappings: " + board.platformLog());
    }

    // ---- the load ----

    /** A handle in {@code pool}: the transfer bounced through it. */
    private static Predicate<Transfer> in(SwiotlbPool pool) {
        return x -> pool.isSwiotlbBuffer(x.handle().value());
    }

    // ---- the board as a driver sees it ----

    /** The platform and its 32-bit device, with the driver's and the device's views of its DMA. */
    private static final class Board extends DeviceDma {
        final Platform platform;
        final PageAllocator buddy;

        Board(Platform p) {
            super(p, p.lookup(DmaApi.class).orElseThrow().createDevice(DeviceSpec.platform("hotswap-dma32", false)));
            this.platform = p;
            this.buddy = p.lookup(PageAllocator.class).orElseThrow();
            assertEquals(0, dma.setMaskAndCoherent(dev, DMA_BIT_MASK_32));
        }

        SwiotlbPool swiotlb() {
            return platform.lookup(SwiotlbPool.class).orElseThrow();
        }

        List<String> log() {
            return platform.bootLog().kernelText();
        }

        List<LogLine> platformLog() {
            return platform.bootLog().lines();
        }

        /** Pages of the bank above 4 GiB, which the device reaches only through swiotlb. */
        long[] highPages(int n) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 0));
                assertTrue("a high page: " + Long.toHexString(out[i]), out[i] > DMA_BIT_MASK_32);
            }
            return out;
        }
    }

    private static byte[] slice(byte[] b, int from, int len) {
        return java.util.Arrays.copyOfRange(b, from, from + len);
    }
}
