package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi.MmapResult;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.dma.core.debug.DmaDebug;
import org.dmasim.dma.core.debug.EntryType;
import org.dmasim.dma.core.debug.Misuse;

/**
 * The coherent half of {@code kernel/dma/mapping.c} (with {@code coherent.c}'s per-device regions),
 * Linux 6.1: {@code dma_alloc_attrs}/{@code dma_free_attrs}, {@code dma_alloc_pages} and
 * {@code dma_alloc_noncoherent} with their frees, {@code dma_mmap_attrs} and
 * {@code dma_declare_coherent_memory}. A device's own region answers first and is not left for
 * the ops when it is full; everything else goes to the device's current ops
 * ({@link DmaMapping#allocOps}) and is recorded with the ops that made it ({@link AllocationTracker}),
 * so that its free goes back there. A free that matches no record is refused in DMA-API debug's
 * words and changes nothing.
 */
final class CoherentApi {
    private final DmaEnv env;
    private final DmaMapping api;
    private final AllocationTracker tracker;
    private final DirectOps direct;
    private final DeviceFactory factory;
    /** DMA-API debugging, or null. */
    private final DmaDebug debug;
    private final Misuse misuse;

    CoherentApi(DmaEnv env, DmaMapping api, AllocationTracker tracker, DeviceFactory factory) {
        this.env = env;
        this.api = api;
        this.tracker = tracker;
        this.direct = api.direct();
        this.factory = factory;
        this.debug = api.debug();
        this.misuse = api.misuse();
    }

    /** {@code dma_alloc_attrs}: the device's own region first ({@code dma_alloc_from_dev_coherent}), else its ops. */
    Optional<CoherentBuffer> alloc(Device dev, long size, int gfp, long attrs) {
        checkSize("dma_alloc_attrs", size);
        if (dev.coherentDmaMask() == 0) {
            env.log().warn("WARNING: dma_alloc_attrs: " + dev.name() + " has no coherent_dma_mask"
                + " (WARN_ON_ONCE(!dev->coherent_dma_mask))");
        }
        DeviceCoherentMem mem = dev.dmaMem;
        if (mem != null) {
            // dma_alloc_from_dev_coherent() returns before debug_dma_alloc_coherent(): not tracked.
            Optional<CoherentBuffer> b = allocFromDevCoherent(dev, mem, size, attrs);
            b.ifPresent(buf -> tracker.add(new AllocationTracker.Coherent(direct, new DmaOps.Allocation(buf))));
            return b;
        }
        gfp &= ~(Gfp.__GFP_DMA | Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM);
        DmaOps ops = api.allocOps(dev);
        int flags = gfp;
        Optional<CoherentBuffer> b = record(ops, () -> ops.alloc(dev, size, flags, attrs));
        if (debug != null && b.isPresent()) {
            debug.allocCoherent(dev, size, b.get().dmaHandle(), b.get().cpuAddr(), attrs);
        }
        return b;
    }

    /**
     * Runs an ops allocation holding the ops' backend instance (an IOMMU's), and records what came
     * back with the ops that made it.
     */
    private Optional<CoherentBuffer> record(DmaOps ops, java.util.function.Supplier<Optional<DmaOps.Allocation>> call) {
        // Ops holding their instance through a child of it (an IOMMU's domain) count it there.
        Optional<BackendInstance> opsInstance = ops.holdsInstanceThroughChild() ? Optional.empty() : ops.instance();
        if (opsInstance.isPresent() && !opsInstance.get().tryHold()) {
            env.log().dmasim("dma ops " + ops.name() + " (" + opsInstance.get().id() + ") take no new work: allocation"
                + " refused");
            return Optional.empty();
        }
        Optional<DmaOps.Allocation> a;
        try {
            a = call.get();
        } catch (RuntimeException e) {
            opsInstance.ifPresent(BackendInstance::unhold);
            throw e;
        }
        if (a.isEmpty()) {
            opsInstance.ifPresent(BackendInstance::unhold);
            return Optional.empty();
        }
        tracker.add(new AllocationTracker.Coherent(ops, a.get()));
        return Optional.of(a.get().buffer());
    }

    /** A buffer's free went through: the record goes, and with it the ops' holding. */
    private void forget(AllocationTracker.Coherent c) {
        tracker.remove(c);
        if (!c.ops().holdsInstanceThroughChild()) {
            c.ops().instance().ifPresent(BackendInstance::unhold);
        }
    }

    /** {@code __dma_alloc_from_coherent}: the device's own region, no fallback on failure. */
    private Optional<CoherentBuffer> allocFromDevCoherent(Device dev, DeviceCoherentMem mem, long size, long attrs) {
        int page = mem.allocRegion(size);
        if (page < 0) {
            return Optional.empty();
        }
        long off = (long) page << Page.PAGE_SHIFT;
        long cpu = mem.cpuBase + off;
        env.vm().cpuFill(cpu, size, (byte) 0);
        long reserved = Page.PAGE_SIZE << Page.getOrder(size);
        return Optional.of(new CoherentBuffer(dev.name(), cpu, mem.deviceBase + off, mem.physBase + off, size, reserved,
            CoherentSource.DEVICE_COHERENT_POOL, mem.name, env.vm().attr(cpu), true, attrs, "coherent"));
    }

    /** {@code dma_free_attrs}: to the device's own region or the ops that made the buffer, or refused. */
    void free(Device dev, long size, long cpuAddr, long dmaHandle, long attrs) {
        DeviceCoherentMem mem = dev.dmaMem;
        String call = Misuse.call("dma_free_coherent", size, cpuAddr, dmaHandle);
        if (mem != null && mem.containsCpu(cpuAddr)) {
            // dma_release_from_dev_coherent: the region's bitmap decides, before (and without) DMA-API debug.
            int page = (int) ((cpuAddr - mem.cpuBase) >>> Page.PAGE_SHIFT);
            int order = Page.getOrder(size);
            if (!mem.isAllocated(page, order)) {
                throw misuse.poolPagesNotAllocated(dev, call, mem.name, page, page + (1 << order) - 1);
            }
            AllocationTracker.Coherent c = matching(dev, size, cpuAddr, dmaHandle, true, call);
            mem.releaseRegion(page, order);
            forget(c);
            return;
        }
        if (cpuAddr == 0) {
            return;
        }
        AllocationTracker.Verdict v = tracker.judge(dev, size, cpuAddr, dmaHandle, true);
        if (debug != null && v != AllocationTracker.Verdict.REVOKED) {
            debug.freeCoherent(dev, size, cpuAddr, dmaHandle, v == AllocationTracker.Verdict.MATCHES);
        }
        AllocationTracker.Coherent c = matching(dev, size, cpuAddr, dmaHandle, true, call);
        c.ops().free(dev, c.allocation(), attrs);
        forget(c);
    }

    /**
     * {@code dma_alloc_pages} and {@code dma_alloc_noncoherent} ({@code kind} "pages" or
     * "noncoherent"): linear-map pages from the ops, recorded as a single mapping by DMA-API debugging.
     */
    Optional<CoherentBuffer> allocLinear(Device dev, long size, int gfp, String kind) {
        checkSize("dma_alloc_pages", size);
        if ((gfp & (Gfp.__GFP_DMA | Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM)) != 0) {
            env.log().warn("WARNING: dma_alloc_pages: " + dev.name() + ": gfp " + String.format("%#x", gfp)
                + " has a zone modifier (WARN_ON_ONCE(gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)))");
            return Optional.empty();
        }
        if ((gfp & Gfp.__GFP_COMP) != 0) {
            env.log().warn("WARNING: dma_alloc_pages: " + dev.name() + ": __GFP_COMP (WARN_ON_ONCE(gfp & __GFP_COMP))");
            return Optional.empty();
        }
        DmaOps ops = api.allocOps(dev);
        Optional<CoherentBuffer> b = record(ops, () -> ops.allocPages(dev, Page.pageAlign(size),
            DmaDirection.BIDIRECTIONAL, gfp).map(a -> new DmaOps.Allocation(asRequested(a.buffer(), size, kind),
                a.backend(), a.cookie())));
        if (debug != null && b.isPresent()) {
            // dma_alloc_pages: debug_dma_map_page(dev, page, 0, size, dir, *dma_handle, 0), a single entry
            // waiting for a dma_mapping_error() that drivers of these pages never call.
            debug.mapPage(dev, Page.pfnDown(b.get().phys()), 0, size, DmaDirection.BIDIRECTIONAL, b.get().dmaHandle(), 0,
                "dma_alloc_pages");
        }
        return b;
    }

    /** The buffer as the caller asked for it (dma_alloc_pages page-aligns what it passes the ops). */
    private static CoherentBuffer asRequested(CoherentBuffer b, long size, String kind) {
        return new CoherentBuffer(b.device(), b.cpuAddr(), b.dmaHandle(), b.phys(), size, b.reserved(), b.source(),
            b.sourceName(), b.attr(), b.remapped(), b.attrs(), kind);
    }

    /** {@code dma_free_pages} and {@code dma_free_noncoherent} ({@code fn}): back to the ops that made them. */
    void freeLinear(Device dev, long size, long cpuAddr, long dmaHandle, String fn) {
        String call = Misuse.call(fn, size, cpuAddr, dmaHandle);
        AllocationTracker.Verdict v = tracker.judge(dev, size, cpuAddr, dmaHandle, false);
        if (debug != null && v != AllocationTracker.Verdict.REVOKED) {
            // dma_free_pages: debug_dma_unmap_page() before the pages go back.
            debug.unmapPage(dev, dmaHandle, size, DmaDirection.BIDIRECTIONAL, v == AllocationTracker.Verdict.MATCHES);
        }
        AllocationTracker.Coherent c = matching(dev, size, cpuAddr, dmaHandle, false, call);
        c.ops().freePages(dev, c.allocation(), DmaDirection.BIDIRECTIONAL);
        forget(c);
    }

    // ---- mmap ----

    /** {@code dma_mmap_attrs}: the device's own region's pages, or the ops that made the buffer map it. */
    MmapResult mmap(Device dev, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff) {
        if (vmaPages <= 0 || pgoff < 0) {
            throw new IllegalArgumentException(String.format(
                "dma_mmap_coherent: vma of %d pages at pgoff %d (expected: at least one page, pgoff >= 0)", vmaPages,
                pgoff));
        }
        long count = Page.pageAlign(size) >>> Page.PAGE_SHIFT;
        DeviceCoherentMem mem = dev.dmaMem;
        if (mem != null && mem.containsCpu(cpuAddr) && mem.containsCpu(cpuAddr + size - 1)) {
            if (pgoff < count && vmaPages <= count - pgoff) {
                long pfn = Page.pfnDown(mem.physBase) + ((cpuAddr - mem.cpuBase) >>> Page.PAGE_SHIFT) + pgoff;
                return new MmapResult(0, pfns(pfn, vmaPages));
            }
            return new MmapResult(-Errno.ENXIO, List.of());
        }
        // The ops that made the buffer map it; a buffer dma.core does not know goes to the current ones.
        AllocationTracker.Coherent c = tracker.find(dev.name(), dmaHandle);
        DmaOps ops = c != null ? c.ops() : api.allocOps(dev);
        return ops.mmap(dev, cpuAddr, dmaHandle, size, vmaPages, pgoff, 0);
    }

    private static List<Long> pfns(long first, long n) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.add(first + i);
        }
        return out;
    }

    // ---- dma_declare_coherent_memory ----

    /** {@code dma_declare_coherent_memory}: the device's own region, once. */
    int declare(Device dev, long phys, long devAddr, long size) {
        if (size <= 0) {
            return -Errno.EINVAL;
        }
        Optional<DeviceCoherentMem> mem = factory.initCoherentMemory(dev.name(), phys, devAddr, size);
        if (mem.isEmpty()) {
            return -Errno.EINVAL;
        }
        synchronized (dev) {
            if (dev.dmaMem != null) {
                factory.releaseCoherentMemory(mem.get());
                return -Errno.EBUSY;
            }
            dev.dmaMem = mem.get();
        }
        return 0;
    }

    private static void checkSize(String fn, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException(fn + ": size " + size + " (expected: > 0 bytes)");
        }
    }

    /**
     * The record a free refers to, or the refusal of a free that does not match it
     * ({@link AllocationTracker#judge}).
     */
    private AllocationTracker.Coherent matching(Device dev, long size, long cpuAddr, long dma, boolean coherent,
        String call) {
        AllocationTracker.Verdict v = tracker.judge(dev, size, cpuAddr, dma, coherent);
        if (v == AllocationTracker.Verdict.MATCHES) {
            AllocationTracker.Coherent c = tracker.find(dev.name(), dma);
            if (c != null) {
                return c;
            }
            v = AllocationTracker.Verdict.NOT_ALLOCATED; // freed by another thread meanwhile
        }
        AllocationTracker.Coherent c = tracker.find(dev.name(), dma);
        throw switch (v) {
            case INVALID_ADDRESS -> misuse.invalidAddress(dev, call);
            case REVOKED -> refuseRevoked(dev, dma);
            case WRONG_FUNCTION -> misuse.wrongFunction(dev, call, dma, api.bufferType(c.buffer()),
                api.typeName(coherent ? EntryType.COHERENT : EntryType.SINGLE));
            case WRONG_SIZE -> misuse.differentSize(dev, call, dma, c.buffer().size(), size);
            case WRONG_CPU_ADDRESS -> misuse.differentCpuAddress(dev, call, dma, c.buffer().cpuAddr(), cpuAddr);
            default -> misuse.notAllocated(dev, call, dma);
        };
    }

    private IllegalArgumentException refuseRevoked(Device dev, long dma) {
        String text = dev.driverString() + " " + dev.name() + String.format(": the buffer at device address 0x%016x was"
            + " revoked when %s was forced out; nothing is freed", dma, tracker.revokedBy(dev.name(), dma));
        env.log().dmasim(text);
        return new IllegalArgumentException(text);
    }
}
