package org.dmasim.samples.userdma;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.UserAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Platform;
import org.dmasim.devices.api.BlockCompletion;
import org.dmasim.devices.api.BlockHw;
import org.dmasim.devices.api.DmaDescriptor;
import org.dmasim.samples.userdma.api.SimProcess;
import org.dmasim.samples.userdma.api.UserDmaDevice;

/**
 * The sample driver: a character device whose file operations do user-space DMA the two ways
 * drivers do it.
 *
 * <p><b>mmap of a coherent buffer.</b> Probe allocates the buffer with {@code dma_alloc_coherent}.
 * The driver's {@code .mmap} checks the VMA against the buffer first (larger than the buffer, or
 * starting beyond it: -EINVAL, the check drivers write before calling the DMA API) and then calls
 * {@code dma_mmap_coherent}, which maps the buffer's own pages into the VMA
 * ({@code remap_pfn_range}: {@code VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP}) with
 * {@code dma_pgprot}'s memory type: non-cacheable ({@code MT_NORMAL_NC}) for a non-coherent device,
 * the normal cacheable type for a coherent one. The process then writes the very bytes the device
 * reads: no copy, the same page frames.
 *
 * <p><b>Pinned user buffers.</b> {@code write}/{@code read} pin the user pages
 * ({@code pin_user_pages}, {@code FOLL_WRITE} when the device writes them); a partial pin is
 * undone and fails with -EFAULT as drivers do. The pages become a table with
 * {@code sg_alloc_table_from_pages_segment} (contiguous pages merged up to
 * {@code dma_get_max_seg_size}), mapped with {@code dma_map_sgtable}, and the device moves them in
 * chunks of at most its transfer size, the driver sleeping in
 * {@code wait_for_completion_interruptible_timeout} for each. A timeout or a signal aborts the
 * chunk on the device before anything is unmapped. The result is what {@code read(2)} and
 * {@code write(2)} return: the bytes moved when any were (a short count after an error), else the
 * error; the driver's -ERESTARTSYS reaches the process as -EINTR (no {@code SA_RESTART}).
 */
final class UserDmaDriver implements UserDmaDevice {
    private final Platform platform;
    private final DmaDevice dev;
    private final BlockHw hw;
    private final CoherentBuffer buffer;
    private final Runnable unbind;
    private volatile long timeoutMs = 1000;
    private long bytesCopied;
    private long chunks;
    private long pinnedPages;
    private boolean removed;

    UserDmaDriver(Platform platform, DmaDevice dev, BlockHw hw, CoherentBuffer buffer, Runnable unbind) {
        this.platform = platform;
        this.dev = dev;
        this.hw = hw;
        this.buffer = buffer;
        this.unbind = unbind;
    }

    private DmaApi dma() {
        return platform.lookup(DmaApi.class).orElseThrow(() -> new IllegalStateException("platform '"
            + platform.name() + "' has no DMA API"));
    }

    @Override
    public String name() {
        return dev.name();
    }

    @Override
    public BlockHw hw() {
        return hw;
    }

    @Override
    public long bufferSize() {
        return buffer.size();
    }

    private void live() {
        if (removed) {
            throw new IllegalStateException("userdma " + dev.name() + ": the driver was removed");
        }
    }

    private static ProcessMm mm(SimProcess p) {
        if (p instanceof ProcessMm m) {
            return m;
        }
        throw new IllegalArgumentException("process " + p.name() + " is not a process of the userdma sample");
    }

    @Override
    public synchronized long mmap(SimProcess process, long length, long pgoff) {
        live();
        if (length <= 0 || pgoff < 0) {
            return -Errno.EINVAL;
        }
        ProcessMm mm = mm(process);
        Vma vma = mm.insert(length, Vma.VM_READ | Vma.VM_WRITE | Vma.VM_SHARED);
        long bufferPages = Page.pageAlign(buffer.size()) >>> Page.PAGE_SHIFT;
        if (pgoff >= bufferPages || vma.pages() > bufferPages - pgoff) {
            mm.remove(vma); // mmap_region undoes the VMA when .mmap fails
            return -Errno.EINVAL;
        }
        DmaApi.MmapResult r = dma().mmapCoherent(dev, buffer.cpuAddr(), buffer.dmaHandle(), buffer.size(),
            vma.pages(), pgoff);
        if (r.errno() != 0) {
            mm.remove(vma);
            return r.errno();
        }
        vma.pfns = r.pfns().stream().mapToLong(Long::longValue).toArray();
        vma.flags |= Vma.VM_IO | Vma.VM_PFNMAP | Vma.VM_DONTEXPAND | Vma.VM_DONTDUMP;
        vma.attr = dev.coherent() ? MemAttr.NORMAL : MemAttr.NORMAL_NC; // dma_pgprot
        vma.backing = "/dev/userdma:" + dev.name();
        return vma.start;
    }

    @Override
    public int xfer(long offset, long len, long sector) {
        live();
        if (offset < 0 || len <= 0 || offset + len > buffer.size() || len > hw.maxTransferBytes()) {
            return -Errno.EINVAL;
        }
        List<DmaDescriptor> descs = new ArrayList<>();
        for (long done = 0; done < len; ) {
            long n = Math.min(len - done, dev.maxSegmentSize());
            descs.add(new DmaDescriptor(new DmaAddr(buffer.dmaHandle() + offset + done), n));
            done += n;
        }
        long r = run(true, sector, descs);
        return r < 0 ? (int) r : 0;
    }

    /** One chunk on the device, waited for; bytes done, or a negative errno with nothing done. */
    private long run(boolean write, long sector, List<DmaDescriptor> descs) {
        BlockCompletion c = hw.submit(write, sector, descs);
        try {
            if (!c.await(timeoutMs)) {
                hw.abort(c);
                if (c.status() != BlockCompletion.Status.OK) {
                    return -Errno.ETIMEDOUT;
                }
            }
        } catch (InterruptedException e) {
            hw.abort(c);
            Thread.currentThread().interrupt(); // the signal stays pending
            if (c.status() != BlockCompletion.Status.OK) {
                return -Errno.ERESTARTSYS;
            }
        }
        synchronized (this) {
            chunks++;
        }
        if (c.status() == BlockCompletion.Status.OK) {
            return c.bytesDone();
        }
        return c.bytesDone() > 0 ? c.bytesDone() : -Errno.EIO;
    }

    @Override
    public long write(SimProcess process, UserAddr buf, long count, long sector) {
        return pinned(process, buf, count, sector, true);
    }

    @Override
    public long read(SimProcess process, UserAddr buf, long count, long sector) {
        return pinned(process, buf, count, sector, false);
    }

    private long pinned(SimProcess process, UserAddr buf, long count, long sector, boolean toDevice) {
        live();
        if (count == 0) {
            return 0;
        }
        if (count < 0 || count % BlockHw.SECTOR_SIZE != 0) {
            return -Errno.EINVAL;
        }
        ProcessMm mm = mm(process);
        long offset = buf.value() & (Page.PAGE_SIZE - 1);
        int nPages = (int) ((offset + count + Page.PAGE_SIZE - 1) >>> Page.PAGE_SHIFT);
        ProcessMm.Pinned pin = mm.pin(buf.value() - offset, nPages, !toDevice);
        if (pin.ret() < 0) {
            return pin.ret();
        }
        if (pin.ret() != nPages) {
            mm.unpin(pin.pfns(), pin.ret());
            return -Errno.EFAULT;
        }
        track(nPages);
        try {
            SgTable sgt = SgFromPages.build(pin.pfns(), nPages, offset, count, dev.maxSegmentSize());
            if (sgt == null) {
                return -Errno.EINVAL;
            }
            DmaDirection dir = toDevice ? DmaDirection.TO_DEVICE : DmaDirection.FROM_DEVICE;
            int rc = dma().mapSgtable(dev, sgt, dir, 0);
            if (rc != 0) {
                return rc;
            }
            try {
                return userResult(chunked(sgt, toDevice, sector));
            } finally {
                dma().unmapSgtable(dev, sgt, dir, 0);
            }
        } finally {
            mm.unpin(pin.pfns(), nPages);
            track(-nPages);
        }
    }

    private synchronized void track(long pages) {
        pinnedPages += pages;
    }

    /** The DMA segments in chunks of at most the device's transfer size; bytes moved, or the first error. */
    private long chunked(SgTable sgt, boolean toDevice, long sector) {
        long max = hw.maxTransferBytes();
        long done = 0;
        List<DmaDescriptor> chunk = new ArrayList<>();
        long chunkBytes = 0;
        for (int i = 0; i < sgt.nents(); i++) {
            long addr = sgt.dmaAddress(i);
            long left = sgt.dmaLength(i);
            while (left > 0) {
                long n = Math.min(left, max - chunkBytes);
                chunk.add(new DmaDescriptor(new DmaAddr(addr), n));
                chunkBytes += n;
                addr += n;
                left -= n;
                if (chunkBytes == max || (left == 0 && i == sgt.nents() - 1)) {
                    long r = run(toDevice, sector + done / BlockHw.SECTOR_SIZE, chunk);
                    if (r < 0) {
                        return done > 0 ? done : r;
                    }
                    done += r;
                    if (r < chunkBytes) {
                        return done; // the device stopped part way: a short count
                    }
                    chunk = new ArrayList<>();
                    chunkBytes = 0;
                }
            }
        }
        return done;
    }

    /** What the system call returns to the process. */
    private static long userResult(long r) {
        return r == -Errno.ERESTARTSYS ? -Errno.EINTR : r;
    }

    @Override
    public long writeCopy(SimProcess process, UserAddr buf, long count, long offset) {
        live();
        if (offset < 0 || count < 0 || offset + count > buffer.size()) {
            return -Errno.EINVAL;
        }
        byte[] data;
        try {
            data = process.read(buf, (int) count); // copy_from_user
        } catch (SimProcess.SegmentationFault e) {
            return -Errno.EFAULT;
        }
        dma().kernelVm().cpuWrite(buffer.cpuAddr() + offset, data);
        synchronized (this) {
            bytesCopied += count;
        }
        return count;
    }

    @Override
    public void setTimeoutMillis(long millis) {
        if (millis < 1) {
            throw new IllegalArgumentException("timeout " + millis + " ms (expected: at least 1)");
        }
        timeoutMs = millis;
    }

    @Override
    public synchronized Stats stats() {
        return new Stats(bytesCopied, pinnedPages, chunks, Page.pfnDown(buffer.phys()));
    }

    @Override
    public synchronized void remove() {
        live();
        removed = true;
        dma().freeCoherent(dev, buffer.size(), buffer.cpuAddr(), buffer.dmaHandle());
        unbind.run();
    }

    /** Probe: mask and limits for the hardware, then the coherent buffer. */
    static CoherentBuffer allocBuffer(DmaApi dma, DmaDevice dev, long size) {
        if (dma.setMaskAndCoherent(dev, -1L) != 0) {
            throw new IllegalStateException("userdma: probe of " + dev.name() + " failed with error -5 (No usable"
                + " DMA configuration)");
        }
        dma.setMaxSegmentSize(dev, 0x10000);
        return dma.allocCoherent(dev, size, Gfp.GFP_KERNEL).orElseThrow(() -> new IllegalStateException(
            "userdma: probe of " + dev.name() + " failed with error -12 (cannot allocate " + size + " bytes)"));
    }
}
