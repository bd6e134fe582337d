package org.dmasim.samples.userdma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.stream.LongStream;
import org.dmasim.api.addr.UserAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.devices.DeviceModelsComponent;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.mm.slab.SlabBoot;
import org.dmasim.platform.oracle.BootedPlatform;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.samples.userdma.api.SimProcess;
import org.dmasim.samples.userdma.api.UserDmaDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both user-space DMA flows of the sample driver on booted boards, with their error paths: the
 * mmap'd coherent buffer (same frames, no copy, the driver's -EINVAL checks) and pinned user
 * buffers (chunks, -EFAULT on holes and PFN maps, short counts, timeout, signal).
 */
class UserDmaTest {
    private final BootedPlatform p = new BootedPlatform("testdevs", Platforms.bootProfile("qemu-virt-arm64-testdevs",
        new HashMap<>(), new DmaCoreBoot(), new SlabBoot()));
    private final UserDmaComponent userdma = new UserDmaComponent(new DeviceModelsComponent());

    static byte[] data(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 13 + seed);
        }
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dma-test-nc", "dma-test-coh"})
    void theProcessWritesThroughItsMappingAndTheDeviceReadsTheSameBytesWithoutACopy(String device) {
        UserDmaDevice d = userdma.probe(p, device, 64 * 1024);
        SimProcess cat = userdma.spawn(p, "cat");
        long addr = d.mmap(cat, 16 * 1024, 2);
        assertTrue(addr > 0, "mmap: " + addr);
        List<Long> pfns = cat.pfns(new UserAddr(addr), 16 * 1024);
        assertEquals(LongStream.range(0, 4).mapToObj(i -> d.stats().bufferPfn() + 2 + i).toList(), pfns,
            "the process maps the buffer's own pages, from page offset 2");
        byte[] msg = data(11776, 1);
        cat.write(new UserAddr(addr + 100), msg);
        assertEquals(0, d.xfer(2 * 4096 + 100, 11776, 40), "the device reads buffer offset 8292");
        assertArrayEquals(msg, d.hw().readMedium(40, 11776));
        assertEquals(0, d.stats().bytesCopied(), "no copy anywhere");
        assertTrue(cat.maps().get(0).contains("VM_IO|VM_PFNMAP") && cat.maps().get(0).contains(
            device.equals("dma-test-nc") ? "MT_NORMAL_NC" : "MT_NORMAL"), cat.maps().toString());

        // The classic write(2) copies, and the counter sees it.
        UserAddr heap = cat.mmapAnonymous(4096);
        cat.write(heap, data(512, 2));
        assertEquals(512, d.writeCopy(cat, heap, 512, 0));
        assertEquals(512, d.stats().bytesCopied());
    }

    @Test
    void mmapRangesTheBufferDoesNotHoldAreRefusedWithEinval() {
        UserDmaDevice d = userdma.probe(p, "dma-test-nc", 64 * 1024);
        SimProcess cat = userdma.spawn(p, "cat");
        assertEquals(-Errno.EINVAL, d.mmap(cat, 68 * 1024, 0), "larger than the buffer");
        assertEquals(-Errno.EINVAL, d.mmap(cat, 4096, 16), "pgoff beyond it");
        assertEquals(-Errno.EINVAL, d.mmap(cat, 8192, 15), "runs past its end");
        assertEquals(-Errno.EINVAL, d.mmap(cat, 0, 0), "length 0");
        assertTrue(cat.maps().isEmpty(), "each failed mmap left no VMA");
        assertTrue(d.mmap(cat, 4096, 15) > 0, "the last page fits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dma-test-nc", "dma-test-coh"})
    void aPinnedUserBufferGoesToTheMediumAndBackInChunks(String device) {
        UserDmaDevice d = userdma.probe(p, device, 4096);
        SimProcess dd = userdma.spawn(p, "dd");
        int len = 600 * 1024; // three chunks of at most 256 KiB
        UserAddr src = dd.mmapAnonymous(len + 4096);
        UserAddr buf = new UserAddr(src.value() + 512); // not page aligned: the first entry starts at 512
        dd.write(buf, data(len, 3));
        assertEquals(len, d.write(dd, buf, len, 0));
        assertArrayEquals(data(len, 3), d.hw().readMedium(0, len));
        assertEquals(3, d.stats().chunks());
        assertEquals(0, d.stats().pinnedPages(), "unpinned after the transfer");
        UserAddr dst = dd.mmapAnonymous(len);
        dd.write(dst, new byte[len]); // the destination is in the CPU cache: the device must not lose to it
        assertEquals(len, d.read(dd, dst, len, 0));
        assertArrayEquals(data(len, 3), dd.read(dst, len));
        assertTrue(p.lookup(DmaApi.class).orElseThrow().mappings().isEmpty());
    }

    @Test
    void pinningStopsAtHolesAndPfnMapsAndTheDriverUndoesAPartialPin() {
        UserDmaDevice d = userdma.probe(p, "dma-test-nc", 8192);
        SimProcess a = userdma.spawn(p, "a");
        PageAllocator buddy = p.lookup(PageAllocator.class).orElseThrow();
        buddy.drainAllPages();
        long free = buddy.freePages();
        UserAddr two = a.mmapAnonymous(8192);
        a.write(two, data(8192, 1));
        assertEquals(-Errno.EFAULT, d.write(a, two, 3 * 4096, 0), "the third page is a hole: 2 pinned, undone");
        assertEquals(0, d.stats().pinnedPages());
        assertEquals(-Errno.EFAULT, d.write(a, new UserAddr(0x1000), 4096, 0), "nothing mapped at all");
        long mapped = d.mmap(a, 8192, 0);
        assertEquals(-Errno.EFAULT, d.write(a, new UserAddr(mapped), 4096, 0), "VM_IO|VM_PFNMAP pages cannot be pinned");
        assertEquals(-Errno.EINVAL, d.write(a, two, 1000, 0), "whole sectors only");
        assertThrows(SimProcess.SegmentationFault.class, () -> a.write(new UserAddr(0x1000), new byte[1]));
        a.exit();
        buddy.drainAllPages();
        assertEquals(free, buddy.freePages(), "exit gave the pages back");
    }

    @Test
    void aMediaErrorInTheSecondChunkReturnsTheBytesOfTheFirst() {
        UserDmaDevice d = userdma.probe(p, "dma-test-nc", 4096);
        SimProcess dd = userdma.spawn(p, "dd");
        int len = 512 * 1024;
        UserAddr buf = dd.mmapAnonymous(len);
        dd.write(buf, data(len, 5));
        d.hw().injectMediaError(600); // sector 600 lies 88 sectors into the second 256 KiB chunk
        assertEquals(600 * 512, d.write(dd, buf, len, 0), "a short count: whole sectors before the bad one");
        d.hw().injectMediaError(0);
        assertEquals(-Errno.EIO, d.write(dd, buf, len, 0), "nothing moved: the error itself");
    }

    @Test
    void aStalledDeviceTimesOutAndASignalInterruptsTheWait() throws Exception {
        UserDmaDevice d = userdma.probe(p, "dma-test-nc", 4096);
        SimProcess dd = userdma.spawn(p, "dd");
        UserAddr buf = dd.mmapAnonymous(8192);
        d.setTimeoutMillis(50);
        d.hw().stall(true);
        assertEquals(-Errno.ETIMEDOUT, d.write(dd, buf, 8192, 0));
        assertEquals(0, d.stats().pinnedPages());
        assertTrue(p.lookup(DmaApi.class).orElseThrow().mappings().isEmpty(), "aborted, then unmapped");

        d.setTimeoutMillis(60_000);
        long[] result = new long[1];
        Thread t = new Thread(() -> result[0] = d.write(dd, buf, 8192, 0));
        t.start();
        while (t.getState() != Thread.State.TIMED_WAITING && t.isAlive()) {
            Thread.sleep(5);
        }
        t.interrupt(); // the signal
        t.join(10_000);
        assertEquals(-Errno.EINTR, result[0], "-ERESTARTSYS in the driver, EINTR in the process");
        d.hw().stall(false);
        assertEquals(0, d.hw().requestsCompleted(), "both requests were aborted, none ran");

        // Resumed from another thread while the driver sleeps: the chunk completes.
        d.hw().stall(true);
        Thread resume = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            d.hw().stall(false);
        });
        resume.start();
        assertEquals(8192, d.write(dd, buf, 8192, 0));
        resume.join();
    }
}
