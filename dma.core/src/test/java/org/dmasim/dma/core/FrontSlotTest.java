package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * The front slot of a mapping thread's table ({@link FrontSlot}) seen from the DMA API: whichever
 * place a dma-direct single mapping is recorded in (the thread's front, its hashed table, another
 * thread's), it is listed while it lives, an unmap finds the one that matches, and a reader on
 * another thread never sees a half-written entry.
 */
class FrontSlotTest {
    private static final long[] SIZES = {256, 512, 4096};

    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final DmaDevice coh = dma.device("dma-test-coh").orElseThrow();

    private long page() {
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0);
        assertTrue(pfn >= 0);
        return pfn;
    }

    /** The direction a mapping of this size is made with here: a torn read would pair them wrongly. */
    private static DmaDirection dirOf(long size) {
        return size == 256 ? DmaDirection.TO_DEVICE : size == 512 ? DmaDirection.FROM_DEVICE : DmaDirection.BIDIRECTIONAL;
    }

    private DmaAddr map(long pfn, long size) {
        return dma.mapPage(coh, pfn, 0, size, dirOf(size), 0);
    }

    private void unmap(DmaAddr a, long size) {
        dma.unmapPage(coh, a, size, dirOf(size), 0);
    }

    /** The device's live mappings as "dma/size" words, sorted. */
    private List<String> listed() {
        return dma.mappings().stream().filter(m -> m.device() == coh).map(m -> Long.toHexString(m.dmaHandle()) + "/"
            + m.size()).sorted().toList();
    }

    private static String word(DmaAddr a, long size) {
        return Long.toHexString(a.value()) + "/" + size;
    }

    @Test
    void mappingsOutstandingTogetherAreEachListedAndUnmappedInAnyOrder() {
        DmaAddr a = map(page(), 256); // the front
        DmaAddr b = map(page(), 512); // the front is taken: the thread's hashed table
        assertEquals(List.of(word(a, 256), word(b, 512)).stream().sorted().toList(), listed());
        unmap(a, 256);
        DmaAddr c = map(page(), 4096); // the table is not empty: the table again
        assertEquals(List.of(word(b, 512), word(c, 4096)).stream().sorted().toList(), listed());
        unmap(c, 4096);
        unmap(b, 512);
        assertEquals(List.of(), listed());
        DmaAddr d = map(page(), 256); // both empty again: the front
        assertEquals(List.of(word(d, 256)), listed());
        unmap(d, 256);
        assertEquals(List.of(), listed());
        assertThrows(IllegalArgumentException.class, () -> unmap(d, 256), "the front forgot it");
    }

    @Test
    void aBufferMappedTwiceIsUnmappedByTheSizeEachCallNames() {
        long pfn = page();
        DmaAddr small = map(pfn, 256); // the front
        DmaAddr big = map(pfn, 4096); // the table, at the front's address
        assertEquals(small, big);
        unmap(big, 4096); // must take the table's 4096, not the front's 256
        assertEquals(List.of(word(small, 256)), listed());
        assertThrows(IllegalArgumentException.class, () -> unmap(big, 4096), "the 4096-byte mapping is gone");
        assertEquals(List.of(word(small, 256)), listed(), "the refusal changed nothing");
        unmap(small, 256);
        assertEquals(List.of(), listed());

        DmaAddr first = map(pfn, 512); // the front
        DmaAddr second = map(pfn, 256); // the table
        unmap(first, 512); // the front, though another mapping shares its address
        assertEquals(List.of(word(second, 256)), listed());
        unmap(second, 256);
        assertEquals(List.of(), listed());

        // Two of one size: the unmap takes the one the slow path lists first (the front's), on
        // either path, so what is left does not depend on which path ran.
        DmaAddr from = dma.mapPage(coh, pfn, 0, 512, DmaDirection.FROM_DEVICE, 0); // the front
        DmaAddr to = dma.mapPage(coh, pfn, 0, 512, DmaDirection.TO_DEVICE, 0); // the table
        dma.unmapPage(coh, to, 512, DmaDirection.TO_DEVICE, 0);
        List<StreamingMapping> left = dma.mappings().stream().filter(m -> m.device() == coh).toList();
        assertEquals(1, left.size());
        assertEquals(DmaDirection.TO_DEVICE, left.get(0).direction(), "the front's went first");
        dma.unmapPage(coh, from, 512, DmaDirection.TO_DEVICE, 0);
        assertEquals(List.of(), listed());
    }

    /**
     * An unmap picks, among several mappings at its address, the first of its size in the order
     * the slow path lists them (mapping objects before entries): a mapping with attributes no
     * entry word has room for is an object, so it goes before the front's mapping of the same size.
     */
    @Test
    void aMappingObjectAtTheFrontsAddressIsTheOneAnUnmapTakes() {
        long pfn = page();
        long wide = 1L << 20; // beyond the 16 attribute bits of an entry word: recorded as an object
        DmaAddr plain = dma.mapPage(coh, pfn, 0, 512, DmaDirection.FROM_DEVICE, 0); // the front
        DmaAddr object = dma.mapPage(coh, pfn, 0, 512, DmaDirection.FROM_DEVICE, wide); // the owner's table
        assertEquals(plain, object);
        dma.unmapPage(coh, object, 512, DmaDirection.FROM_DEVICE, 0);
        List<StreamingMapping> left = dma.mappings().stream().filter(m -> m.device() == coh).toList();
        assertEquals(1, left.size());
        assertEquals(0, left.get(0).attrs(), "the object went first; the front's mapping is left");
        dma.unmapPage(coh, plain, 512, DmaDirection.FROM_DEVICE, 0);
        assertEquals(List.of(), listed());

        // The other order: the object first, then the plain mapping (not to the front: the table is not empty).
        object = dma.mapPage(coh, pfn, 0, 512, DmaDirection.FROM_DEVICE, wide);
        plain = dma.mapPage(coh, pfn, 0, 512, DmaDirection.FROM_DEVICE, 0);
        dma.unmapPage(coh, plain, 512, DmaDirection.FROM_DEVICE, 0);
        left = dma.mappings().stream().filter(m -> m.device() == coh).toList();
        assertEquals(1, left.size());
        assertEquals(0, left.get(0).attrs(), "the object went first again");
        dma.unmapPage(coh, plain, 512, DmaDirection.FROM_DEVICE, 0);
        assertEquals(List.of(), listed());
    }

    @Test
    void anotherThreadUnmapsTheOwnersFrontMapping() throws Exception {
        DmaAddr a = map(page(), 512);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread completion = new Thread(() -> {
            try {
                unmap(a, 512);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        completion.start();
        completion.join();
        assertEquals(null, failure.get());
        assertEquals(List.of(), listed());
        assertThrows(IllegalArgumentException.class, () -> unmap(a, 512), "the owner sees it gone");
        DmaAddr b = map(page(), 256);
        assertEquals(List.of(word(b, 256)), listed(), "the emptied front takes the owner's next mapping");
        unmap(b, 256);
    }

    /** Two threads mapping for one device at once, each through its own front: every unmap finds its mapping. */
    @Test
    void twoThreadsMappingForOneDeviceEachKeepTheirOwnFront() throws Exception {
        long[] pfns = {page(), page()};
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] queues = new Thread[2];
        for (int q = 0; q < queues.length; q++) {
            long pfn = pfns[q];
            queues[q] = new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        long size = SIZES[i % SIZES.length];
                        DmaAddr a = map(pfn, size);
                        if (i % 100 == 0) {
                            assertTrue(listed().contains(word(a, size)), "listed while it lives");
                        }
                        unmap(a, size);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            queues[q].start();
        }
        for (Thread t : queues) {
            t.join();
        }
        assertEquals(null, failure.get());
        assertEquals(List.of(), listed());
    }

    /**
     * Seeded: one thread maps and unmaps at random over a few pages (so mappings share addresses),
     * handing some unmaps to a second thread; after every call the listing equals a model, and a
     * reader listing all the while sees only whole entries (the size and direction of one map call,
     * the physical address of its bus address).
     */
    @Test
    void randomMapsAndUnmapsMatchAModelWhileAReaderLists() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("FrontSlotTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        Random rnd = new Random(seed);
        long[] pfns = {page(), page(), page()};
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> torn = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get() && torn.get() == null) {
                for (StreamingMapping m : dma.mappings()) {
                    boolean whole = m.phys() == m.dmaHandle() && (m.size() == 256 || m.size() == 512 || m.size() == 4096)
                        && m.direction() == dirOf(m.size());
                    if (!whole) {
                        torn.set(m.toString());
                    }
                }
            }
        });
        reader.start();
        List<long[]> live = new ArrayList<>(); // {dma, size}
        int ops = Boolean.getBoolean("dmasim.longTests") ? 200_000 : 20_000;
        try {
            for (int op = 0; op < ops; op++) {
                if (live.isEmpty() || rnd.nextInt(100) < 50) {
                    long size = SIZES[rnd.nextInt(SIZES.length)];
                    DmaAddr a = map(pfns[rnd.nextInt(pfns.length)], size);
                    live.add(new long[] {a.value(), size});
                } else {
                    long[] m = live.remove(rnd.nextInt(live.size()));
                    if (rnd.nextInt(10) == 0) {
                        AtomicReference<Throwable> failure = new AtomicReference<>();
                        Thread other = new Thread(() -> {
                            try {
                                unmap(new DmaAddr(m[0]), m[1]);
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        });
                        other.start();
                        other.join();
                        assertEquals(null, failure.get(), "seed " + seed + " op " + op);
                    } else {
                        unmap(new DmaAddr(m[0]), m[1]);
                    }
                }
                List<String> model = live.stream().map(m -> Long.toHexString(m[0]) + "/" + m[1]).sorted().toList();
                assertEquals(model, listed(), "seed " + seed + " op " + op);
            }
        } finally {
            done.set(true);
            reader.join();
        }
        assertEquals(null, torn.get(), "seed " + seed + ": a reader saw a half-written entry");
    }
}
