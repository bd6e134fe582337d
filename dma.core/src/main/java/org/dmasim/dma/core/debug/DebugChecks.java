package org.dmasim.dma.core.debug;

import org.dmasim.api.dma.DmaDirection;

/**
 * The checks of {@code kernel/dma/debug.c}: {@code check_unmap} (also for frees),
 * {@code check_sync}, {@code check_sg_segment} (CONFIG_DMA_API_DEBUG_SG) and
 * {@code check_for_stack}. Separate from {@link DmaDebug}, which keeps the hooks, the entries'
 * bookkeeping and their lock: here is only what each check compares and the words it reports a
 * mismatch in, the part a reader looks up when a {@code DMA-API:} line needs explaining.
 *
 * <p>An unmap or sync describes the mapping it means in a reference entry
 * ({@link DebugEntry#ref}); the check compares it with what the hash finds. The
 * {@code ...Locked} methods run under {@link DmaDebug}'s entry lock, as the kernel's run under
 * the bucket's lock.
 */
final class DebugChecks {
    private final EntryHash hash;
    private final ErrorReports reports;
    private final DebugRules rules;
    private final boolean sgChecks;
    private final KernelAreas areas;

    DebugChecks(EntryHash hash, ErrorReports reports, DebugRules rules, boolean sgChecks, KernelAreas areas) {
        this.hash = hash;
        this.reports = reports;
        this.rules = rules;
        this.sgChecks = sgChecks;
        this.areas = areas;
    }

    private void errPrintk(DebugDevice dev, DebugEntry entry, String message) {
        reports.errPrintk(dev, entry, message);
    }

    private static String u(long v) {
        return Long.toUnsignedString(v);
    }

    private String type(EntryType t) {
        return rules.typeName(t);
    }

    private static String dir(DmaDirection d) {
        return DebugRules.dirName(d);
    }

    /** {@code check_for_stack}. */
    void forStack(DebugDevice dev, long pfn, long offset) {
        String stack = areas.stackMessage(pfn, offset);
        if (stack != null) {
            errPrintk(dev, null, stack);
        }
    }

    /** {@code check_sg_segment} (CONFIG_DMA_API_DEBUG_SG): the device's max segment size and boundary. */
    void sgSegment(DebugDevice dev, long length, long dmaAddress, long dmaLength) {
        if (!sgChecks) {
            return;
        }
        long maxSeg = dev.maxSegmentSize() & 0xffffffffL;
        if (length > maxSeg) {
            errPrintk(dev, null, "mapping sg segment longer than device claims to support [len=" + length + "] [max="
                + maxSeg + "]");
        }
        long boundary = dev.segmentBoundary();
        long end = dmaAddress + dmaLength - 1;
        if (((dmaAddress ^ end) & ~boundary) != 0) {
            errPrintk(dev, null, String.format("mapping sg segment across boundary [start=0x%016x] [end=0x%016x]"
                + " [boundary=0x%016x]", dmaAddress, end, boundary));
        }
    }

    /**
     * {@code check_unmap}: reports what differs between {@code ref} and the entry it means.
     *
     * @return that entry, for the caller to drop when the unmap goes through; null when none is found
     */
    DebugEntry unmapLocked(DebugEntry ref) {
        DebugDevice dev = ref.dev;
        DebugEntry e = hash.findExact(ref);
        if (e == null) {
            mappingErrorLocked(dev, ref.devAddr); // the dma_mapping_error() this branch asks
            if (ref.devAddr == DmaDebug.DMA_MAPPING_ERROR) {
                errPrintk(dev, null, "device driver tries to free an invalid DMA memory address");
            } else {
                errPrintk(dev, null, String.format("device driver tries to free DMA memory it has not allocated"
                    + " [device address=0x%016x] [size=%s bytes]", ref.devAddr, u(ref.size)));
            }
            return null;
        }
        if (ref.size != e.size) {
            errPrintk(dev, e, String.format("device driver frees DMA memory with different size [device address="
                + "0x%016x] [map size=%s bytes] [unmap size=%s bytes]", ref.devAddr, u(e.size), u(ref.size)));
        }
        if (ref.type != e.type) {
            errPrintk(dev, e, String.format("device driver frees DMA memory with wrong function [device address="
                + "0x%016x] [size=%s bytes] [mapped as %s] [unmapped as %s]", ref.devAddr, u(ref.size),
                type(e.type), type(ref.type)));
        } else if (e.type == EntryType.COHERENT && ref.physAddr() != e.physAddr()) {
            errPrintk(dev, e, String.format("device driver frees DMA memory with different CPU address [device"
                + " address=0x%016x] [size=%s bytes] [cpu alloc address=0x%016x] [cpu free address=0x%016x]",
                ref.devAddr, u(ref.size), e.physAddr(), ref.physAddr()));
        }
        if (ref.sgCallEnts != 0 && ref.type == EntryType.SG && ref.sgCallEnts != e.sgCallEnts) {
            errPrintk(dev, e, "device driver frees DMA sg list with different entry count [map count="
                + e.sgCallEnts + "] [unmap count=" + ref.sgCallEnts + "]");
        }
        if (ref.dir != e.dir) {
            errPrintk(dev, e, String.format("device driver frees DMA memory with different direction [device"
                + " address=0x%016x] [size=%s bytes] [mapped with %s] [unmapped with %s]", ref.devAddr,
                u(ref.size), dir(e.dir), dir(ref.dir)));
        }
        if (e.mapErr == MapErr.NOT_CHECKED) {
            errPrintk(dev, e, String.format("device driver failed to check map error[device address=0x%016x]"
                + " [size=%s bytes] [mapped as %s]", ref.devAddr, u(ref.size), type(e.type)));
        }
        return e;
    }

    /** {@code debug_dma_mapping_error}'s search: marks the first unchecked entry at the address as checked. */
    void mappingErrorLocked(DebugDevice dev, long dma) {
        DebugEntry e = hash.firstUnchecked(dev, dma);
        if (e != null) {
            e.mapErr = MapErr.CHECKED;
        }
    }

    /** {@code check_sync}. */
    void syncLocked(DebugEntry ref, boolean toCpu) {
        DebugDevice dev = ref.dev;
        DebugEntry e = hash.findContaining(ref);
        if (e == null) {
            errPrintk(dev, null, String.format("device driver tries to sync DMA memory it has not allocated"
                + " [device address=0x%016x] [size=%s bytes]", ref.devAddr, u(ref.size)));
            return;
        }
        if (Long.compareUnsigned(ref.size, e.size) > 0) {
            errPrintk(dev, e, String.format("device driver syncs DMA memory outside allocated range [device"
                + " address=0x%016x] [allocation size=%s bytes] [sync offset+size=%s]", e.devAddr, u(e.size),
                u(ref.size)));
        }
        if (e.dir == DmaDirection.BIDIRECTIONAL) {
            return;
        }
        String with = String.format("[device address=0x%016x] [size=%s bytes] [mapped with %s] [synced with %s]",
            ref.devAddr, u(e.size), dir(e.dir), dir(ref.dir));
        if (ref.dir != e.dir) {
            errPrintk(dev, e, "device driver syncs DMA memory with different direction " + with);
        }
        if (toCpu && e.dir != DmaDirection.FROM_DEVICE && ref.dir != DmaDirection.TO_DEVICE) {
            errPrintk(dev, e, "device driver syncs device read-only DMA memory for cpu " + with);
        }
        if (!toCpu && e.dir != DmaDirection.TO_DEVICE && ref.dir != DmaDirection.FROM_DEVICE) {
            errPrintk(dev, e, "device driver syncs device write-only DMA memory to device " + with);
        }
        if (ref.sgCallEnts != 0 && ref.type == EntryType.SG && ref.sgCallEnts != e.sgCallEnts) {
            errPrintk(dev, e, "device driver syncs DMA sg list with different entry count [map count="
                + e.sgCallEnts + "] [sync count=" + ref.sgCallEnts + "]");
        }
    }
}
