package org.dmasim.iommu.dma;

import java.util.List;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.iommu.iova.IovaDomain;
import org.dmasim.iommu.pgtable.IotlbGather;

/**
 * A DMA domain with its {@code iommu_dma_cookie}: the IOVA allocator, the flush queue of a lazy
 * domain, and the IOVA rules of {@code iommu_dma_alloc_iova}, {@code __iommu_dma_map} and
 * {@code __iommu_dma_unmap} (dma-iommu.c, Linux 6.1).
 *
 * <p>IOVAs, in short: sizes are whole granules (the in-granule offset of the CPU address is kept
 * in the handle); a PCI device whose limit is above 4 GiB first tries below 4 GiB without flushing
 * the IOVA caches (6.1 repeats this every time; {@code iommu.forcedac=1} turns it off), then the
 * whole limit with the caches flushed on failure. A strict unmap invalidates the IOTLB before the
 * IOVA is freed; a lazy one queues the IOVA instead ({@link FlushQueue}).
 *
 * <p>The domain's life is a backend instance of its own: each mapping and buffer holds it, so a
 * domain replaced while the device still holds mappings (a group's type changed) drains on its
 * own page tables and IOVAs and is torn down when the last one goes.
 */
public final class DmaDomain {
    private final int id;
    private final IommuDomain domain;
    private final IovaDomain iovad;
    private volatile FlushQueue fq;
    private final BackendLifecycle instance;
    private final boolean forceDac;
    private final int cpus;
    private final int shift;
    private final long granule;
    /** The kernel's GFP_ATOMIC (6.1 has __GFP_ATOMIC in it): what iommu_map_atomic allocates tables with. */
    private final int gfpAtomic;
    private final DmaIommuKernel kernel;
    /** The device's message prefix ({@code pci 0000:00:02.0}): a DMA domain serves one device's group. */
    private final String devLabel;
    private final BootLog log;
    /** {@code dev->iommu->pci_32bit_workaround} (6.4+ turns it off at the first failure). */
    private volatile boolean pci32BitWorkaround;

    /**
     * {@code iommu_dma_init_domain} with base 0: granule from the smallest page size, start pfn 1,
     * the flush queue for a DMA_FQ domain, the reserved windows (PCI host bridge windows and the
     * gaps between its dma-ranges) taken out of the IOVA space.
     *
     * @param reserved IOVA ranges {@code [first, last]} in bytes to keep out of the allocator
     * @param kernel the version's rules (the PCI 32-bit workaround)
     * @param devLabel the device's message prefix, {@code pci 0000:00:02.0}
     * @param log where the kernel's lines go ({@code Failed to reserve IOVA [...]},
     *     {@code Using 48-bit DMA addresses})
     */
    public DmaDomain(int id, IommuDomain domain, List<long[]> reserved, boolean forceDac, int cpus, IommuClock clock,
        BackendLifecycle instance, int gfpAtomic, DmaIommuKernel kernel, String devLabel, BootLog log) {
        this.id = id;
        this.kernel = kernel;
        this.devLabel = devLabel;
        this.log = log;
        this.pci32BitWorkaround = !forceDac;
        this.gfpAtomic = gfpAtomic;
        this.domain = domain;
        this.granule = Long.lowestOneBit(domain.pgsizeBitmap());
        this.shift = Long.numberOfTrailingZeros(granule);
        this.iovad = new IovaDomain(granule, 1, cpus);
        this.fq = domain.type() == DomainType.DMA_FQ ? new FlushQueue(domain, iovad, clock, cpus) : null;
        this.instance = instance;
        this.forceDac = forceDac;
        this.cpus = cpus;
        for (long[] r : reserved) {
            if (!iovad.reserve(r[0] >>> shift, r[1] >>> shift)) {
                log.err(String.format("%s: Failed to reserve IOVA [%#018x-%#018x]", devLabel, r[0], r[1]));
            }
        }
    }

    public int id() {
        return id;
    }

    public IommuDomain domain() {
        return domain;
    }

    public IovaDomain iovad() {
        return iovad;
    }

    /** The backend instance every mapping and buffer of this domain holds. */
    public BackendLifecycle instance() {
        return instance;
    }

    public long granule() {
        return granule;
    }

    /**
     * {@code iommu_dma_init_fq} on a live domain (a group's type written from DMA to DMA-FQ):
     * unmaps from now on are queued.
     */
    public void startFlushQueue(IommuClock clock) {
        if (fq == null) {
            fq = new FlushQueue(domain, iovad, clock, cpus);
        }
    }

    /** IOVAs waiting in the flush queue (0 for a strict domain). */
    public long fqWaiting() {
        FlushQueue q = fq;
        return q == null ? 0 : q.waiting();
    }

    /** The flush queue's counters: IOVAs queued, flushes (full ring or timer). */
    public long[] fqCounters() {
        FlushQueue q = fq;
        if (q == null) {
            return new long[2];
        }
        FlushQueue.Stats s = q.stats();
        return new long[] {s.queued(), s.flushesFull() + s.flushesTimer()};
    }

    /** The calling thread's CPU among the domain's (no division for a CPU the platform has). */
    private int cpu() {
        int c = SimCpu.current();
        return c < cpus ? c : c % cpus;
    }

    /** {@code iova_align}. */
    long align(long size) {
        return (size + granule - 1) & -granule;
    }

    /**
     * {@code iommu_dma_alloc_iova}: an IOVA for {@code size} bytes (granule aligned) below
     * {@code dmaLimit}; 0 when none is free.
     */
    long allocIova(DmaDevice dev, long size, long dmaLimit) {
        long len = size >>> shift;
        long limit = minNotZero(dmaLimit, dev.busDmaLimit());
        if (Long.compareUnsigned(limit, domain.apertureEnd()) > 0) {
            limit = domain.apertureEnd();
        }
        int cpu = cpu();
        long pfn = 0;
        if (Long.compareUnsigned(limit, 0xffffffffL) > 0 && pci32BitWorkaround && dev.bus() == DmaDevice.Bus.PCI) {
            pfn = iovad.allocFast(cpu, len, 0xffffffffL >>> shift, false);
            if (pfn == 0) {
                below4GiBFull(limit);
            }
        }
        if (pfn == 0) {
            pfn = iovad.allocFast(cpu, len, limit >>> shift, true);
        }
        return pfn << shift;
    }

    /** The 32-bit attempt of a PCI device failed: 6.4+ ends the workaround for the device, with its line. */
    private void below4GiBFull(long limit) {
        if (kernel.latchesPci32BitWorkaround()) {
            pci32BitWorkaround = false;
            log.notice(String.format("%s: Using %d-bit DMA addresses", devLabel, 64 - Long.numberOfLeadingZeros(limit)));
        }
    }

    /** {@code iommu_dma_free_iova}: queued behind the flush queue when the gather is, else freed now. */
    void freeIova(long iova, long size, IotlbGather gather) {
        FlushQueue q = fq;
        if (gather != null && gather.queued() && q != null) {
            q.queue(cpu(), iova >>> shift, size >>> shift);
        } else {
            iovad.freeFast(cpu(), iova >>> shift, size >>> shift);
        }
    }

    /**
     * {@code __iommu_dma_map}: the handle ({@code iova + offset}), or -1 (DMA_MAPPING_ERROR) when
     * no IOVA is free or the page table refuses.
     */
    long map(DmaDevice dev, long phys, long size, int prot, long dmaMask) {
        long off = phys & (granule - 1);
        long len = align(size + off);
        long iova = allocIova(dev, len, dmaMask);
        if (iova == 0) {
            return -1;
        }
        if (domain.map(iova, phys - off, len, prot, gfpAtomic) != 0) {
            freeIova(iova, len, null);
            return -1;
        }
        return iova + off;
    }

    /**
     * {@code __iommu_dma_unmap}: clears the range and releases its IOVA, strictly (invalidate, then
     * free) or lazily (queue), with the kernel's WARN when the page table unmapped less than the
     * range.
     */
    void unmap(long dmaAddr, long size) {
        unmap(dmaAddr, size, fq != null);
    }

    /** {@link #unmap(long, long)}, queued behind the flush queue or not. */
    private void unmap(long dmaAddr, long size, boolean queued) {
        long off = dmaAddr & (granule - 1);
        long iova = dmaAddr - off;
        long len = align(size + off);
        IotlbGather gather = new IotlbGather(queued);
        long unmapped = domain.unmap(iova, len, gather);
        if (unmapped != len) {
            warnUnmapped(unmapped, len, dmaAddr);
        }
        if (!gather.queued()) {
            domain.iotlbSync(gather);
        }
        freeIova(iova, len, gather);
    }

    /** {@code __iommu_dma_unmap}'s {@code WARN_ON(unmapped != size)}. */
    private void warnUnmapped(long unmapped, long len, long dmaAddr) {
        log.warn(String.format("WARNING: __iommu_dma_unmap: unmapped %#x of %#x bytes at iova %#x"
            + " (WARN_ON(unmapped != size))", unmapped, len, dmaAddr));
    }

    /** {@code iommu_dma_free_iova} with no gather (error paths): the IOVA is free at once, lazy or not. */
    void freeIovaNow(long iova, long size) {
        freeIova(iova, size, null);
    }

    /**
     * The device loses the range now, whatever the domain's mode (a forced-out mapping): unmapped,
     * invalidated, its IOVA freed.
     */
    void unmapNow(long dmaAddr, long size) {
        unmap(dmaAddr, size, false);
    }

    /** The GFP of {@code iommu_map_atomic}. */
    int gfpAtomic() {
        return gfpAtomic;
    }

    /** {@code iommu_put_dma_cookie} + domain free: the flush queue stops, every IOVA is dropped. */
    public void destroy() {
        FlushQueue q = fq;
        if (q != null) {
            q.destroy();
        }
        iovad.destroy();
    }

    static long minNotZero(long a, long b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        return Long.compareUnsigned(a, b) < 0 ? a : b;
    }
}
