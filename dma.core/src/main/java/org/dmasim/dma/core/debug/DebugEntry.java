package org.dmasim.dma.core.debug;

import java.security.CodeSource;
import java.util.Objects;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Page;

/**
 * {@code struct dma_debug_entry}: one mapping, DMA segment of a list, or coherent buffer as
 * DMA-API debugging tracks it, in the bucket list of its bus address ({@link EntryHash}). The
 * same shape serves as the reference an unmap or sync is compared with ({@code struct
 * dma_debug_entry ref} on the kernel's stack), which is never linked.
 *
 * <p>Where the kernel saves five return addresses of the mapping's stack, dmasim keeps the API
 * function that made the entry and the first frame of its caller outside dma.core, which
 * {@code Mapped at:} shows.
 */
final class DebugEntry {
    /** L1_CACHE_SHIFT: 64-byte lines on arm64 and x86_64. */
    static final int L1_CACHE_SHIFT = 6;
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final CodeSource DMA_CORE = codeSource(DmaDebug.class);

    final DebugDevice dev;
    final EntryType type;
    final long devAddr;
    final long size;
    final DmaDirection dir;
    final int sgCallEnts;
    final int sgMappedEnts;
    final long pfn;
    final long offset;
    MapErr mapErr;
    /** The API call that made the entry ({@code dma_map_page_attrs}), for {@code Mapped at:}. */
    final String madeBy;
    /** Its caller outside dma.core and the thread, captured when the entry was made; null for a reference. */
    final String caller;

    /** The bucket list: neighbours while linked, and the bucket's index. */
    DebugEntry prev;
    DebugEntry next;
    int bucket = -1;

    DebugEntry(DebugDevice dev, EntryType type, long devAddr, long size, DmaDirection dir, int sgCallEnts,
        int sgMappedEnts, long pfn, long offset, MapErr mapErr, String madeBy, String caller) {
        this.dev = dev;
        this.type = type;
        this.devAddr = devAddr;
        this.size = size;
        this.dir = dir;
        this.sgCallEnts = sgCallEnts;
        this.sgMappedEnts = sgMappedEnts;
        this.pfn = pfn;
        this.offset = offset;
        this.mapErr = mapErr;
        this.madeBy = madeBy;
        this.caller = caller;
    }

    /**
     * What dmasim saves where {@code dma_entry_alloc} saves the stack ({@code stack_trace_save}):
     * the first frame outside dma.core's own code (the driver, a test, a shell command) and the
     * thread.
     */
    static String callerNow() {
        String frame = WALKER.walk(s -> s.filter(f -> !Objects.equals(codeSource(f.getDeclaringClass()), DMA_CORE))
            .findFirst().map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":"
                + f.getLineNumber() + ")").orElse("an unknown caller"));
        return frame + " on thread \"" + Thread.currentThread().getName() + "\"";
    }

    private static CodeSource codeSource(Class<?> c) {
        return c.getProtectionDomain().getCodeSource();
    }

    /** A reference for a lookup: what an unmap or sync says about the mapping it means. */
    static DebugEntry ref(DebugDevice dev, EntryType type, long devAddr, long size, DmaDirection dir, int sgCallEnts,
        long pfn, long offset) {
        return new DebugEntry(dev, type, devAddr, size, dir, sgCallEnts, 0, pfn, offset, MapErr.NOT_APPLICABLE, null,
            null);
    }

    /** {@code phys_addr(entry)}: the first byte's physical address. */
    long physAddr() {
        return (pfn << Page.PAGE_SHIFT) + offset;
    }

    /** {@code to_cacheline_number(entry)}: the mapping's first cacheline, the radix tree's key. */
    long cacheline() {
        return (pfn << (Page.PAGE_SHIFT - L1_CACHE_SHIFT)) + (offset >>> L1_CACHE_SHIFT);
    }

    /** {@code exact_match}: the same device and bus address. */
    boolean exactMatch(DebugEntry ref) {
        return devAddr == ref.devAddr && dev == ref.dev;
    }

    /** {@code containing_match}: the same device, and this entry's range holds the reference's (u64 sums). */
    boolean contains(DebugEntry ref) {
        return dev == ref.dev && Long.compareUnsigned(devAddr, ref.devAddr) <= 0
            && Long.compareUnsigned(devAddr + size, ref.devAddr + ref.size) >= 0;
    }

    /** How well this entry fits a reference in {@code __hash_bucket_find}'s best-fit: 0..4 fields equal. */
    int matchLevel(DebugEntry ref) {
        int level = 0;
        level += size == ref.size ? 1 : 0;
        level += type == ref.type ? 1 : 0;
        level += dir == ref.dir ? 1 : 0;
        level += sgCallEnts == ref.sgCallEnts ? 1 : 0;
        return level;
    }
}
