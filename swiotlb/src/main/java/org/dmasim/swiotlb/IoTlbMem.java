package org.dmasim.swiotlb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;

/**
 * One bounce pool at run time ({@code struct io_tlb_mem} of Linux 6.1): the slot allocator and
 * the bounce copies.
 *
 * <p><b>Data layout.</b> {@code nslabs} slots of 2 KiB from {@code start}, in segments of 128;
 * per slot three primitive arrays, as {@code struct io_tlb_slot} holds them: {@code origAddr}
 * (the physical address of the original buffer's part this slot mirrors, all ones when free),
 * {@code allocSize} (the bytes of the mapping from this slot to its end) and {@code list} (the
 * free-run counter: the free slots from this one to the next used slot or the end of its segment;
 * 0 for a used slot). The slots are cut into {@code nareas} areas of {@code area_nslabs} each; an
 * area ({@link IoTlbArea}) has its own lock, its {@code used} count and its cursor {@code index}.
 * The arrays are made on the first mapping, so a booted platform that never bounces pays nothing
 * for them.
 *
 * <p><b>Finding slots</b> ({@code swiotlb_find_slots}): the search starts in the area of the
 * calling thread's simulated CPU ({@code raw_smp_processor_id() & (nareas - 1)}, {@link SimCpu})
 * and tries every area once, in order, wrapping. Inside an area, under its lock: give up at once
 * when the area has fewer free slots than asked; otherwise walk from the cursor (next fit: the
 * cursor only moves forward, to just after the last mapping it found, and wraps to 0 at the
 * area's end; unmaps never move it), at most once round the area. A slot is a candidate when its
 * bus address meets the alignment ({@code alloc_align_mask}, page alignment for a mapping of a page
 * or more when neither the caller nor the device asks for an alignment, at least slot alignment)
 * and keeps the device's {@code min_align_mask} bits of the original above the slot offset; a
 * misfit candidate steps one slot. A fit one is taken when the run would not cross the device's
 * segment boundary ({@code iommu_is_span_boundary}) and its free-run counter covers the request;
 * otherwise the walk steps by the stride (the alignment in slots). Taking: the slots' counters
 * become 0 and their {@code allocSize} is set, the free slots just before them in the segment are
 * renumbered 1, 2, 3 ... backwards, the cursor moves past the mapping, {@code used} grows.
 *
 * <p>This is 6.1.y as the real kernel ran for the oracle: the search of v6.1 with the stable fixes
 * that kernel carries, the deadlock fix (the walk ends after one round) and Will Deacon's alignment
 * rework (a slot's own address is checked against the alignment; page alignment only without
 * other alignment), which the oracle's slot numbers show (a 4 KiB mapping of a buffer at page
 * offset 0x900 starts on an even slot). The pre-padding slots of 6.10 are not part of it.
 *
 * <p><b>Freeing</b> ({@code swiotlb_release_slots}): the slot count comes from the first slot's
 * {@code allocSize}; under the area's lock the freed slots are renumbered from the free run after
 * them (inside the segment) backwards, then the free slots before them continue the count, and
 * {@code used} shrinks.
 *
 * <p><b>Copies</b> ({@code swiotlb_bounce}): each slot knows its own part of the original, so a
 * sync of any sub-range copies the right bytes; the copy is the CPU's ({@code memcpy} through the
 * linear map: the {@link PhysMemory} given is the CPU's cacheable view). The sanity checks warn
 * once and skip or clamp the copy as the kernel does. Map copies original to bounce for every
 * direction (so a device that writes less than the whole buffer leaves the original's bytes, and
 * no stale bounce bytes leak); unmap and sync for the CPU copy back for FROM_DEVICE and
 * BIDIRECTIONAL; sync for the device copies out for TO_DEVICE and BIDIRECTIONAL.
 *
 * <p><b>Concurrency.</b> One lock per area, as 6.1's "Split up single swiotlb lock": mappings on
 * different simulated CPUs with as many areas share nothing but the per-device counters
 * ({@link BounceCounters}): no pool-wide lock, counter or cache line ({@code io_tlb_used} is the
 * areas' sum, read without their locks as 6.1's {@code mem_used} reads it; the pool-wide atomics
 * of 6.12's debugfs are kept on a 6.12 platform only). The slot bytes of a mapping are only
 * touched by its map, syncs and unmap, which the caller orders (dma.core publishes a mapping
 * before anyone else can see it).
 */
final class IoTlbMem implements SwiotlbPool {
    static final long INVALID_PHYS_ADDR = -1L;
    private static final long PAGE_SIZE = 4096;

    /** {@code mem->slots}, as three arrays. */
    private static final class Slots {
        final long[] origAddr;
        final long[] allocSize;
        final int[] list;

        Slots(int n) {
            origAddr = new long[n];
            allocSize = new long[n];
            list = new int[n];
            java.util.Arrays.fill(origAddr, INVALID_PHYS_ADDR);
            for (int i = 0; i < n; i++) {
                list[i] = IO_TLB_SEGSIZE - offsetInSegment(i);
            }
        }
    }

    private final String name;
    private final long start;
    private final long nslabs;
    private final int nareas;
    private final int areaNslabs;
    private final boolean forceBounce;
    private final PhysMemory memory;
    private final BootLog log;
    private final SwiotlbStatics statics;
    private final IoTlbArea[] areas;
    private volatile Slots slots;
    /** dmasim's per-device statistics, not part of {@code io_tlb_mem}. */
    private final BounceCounters counters = new BounceCounters();
    /**
     * {@code total_used} and {@code used_hiwater}, kept as 6.6+ keeps them for debugfs when the
     * platform's kernel does ({@link SwiotlbKernel#countsTotalUsed}); untouched on 6.1.
     */
    private final boolean countsTotalUsed;
    private final AtomicLong totalUsed = new AtomicLong();
    private final AtomicLong usedHiwater = new AtomicLong();

    /**
     * @param nareas areas, a power of two (0 only without slots)
     * @param memory the CPU's view of memory, through which the bounce copies go
     * @param statics the platform's swiotlb statics (restricted pools, warning states)
     */
    IoTlbMem(String name, long start, long nslabs, int nareas, boolean forceBounce, PhysMemory memory, BootLog log,
        SwiotlbStatics statics) {
        if (nslabs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("swiotlb pool " + name + ": " + nslabs + " slots (dmasim models at most "
                + Integer.MAX_VALUE + ")");
        }
        this.name = name;
        this.start = start;
        this.nslabs = nslabs;
        this.nareas = nslabs == 0 ? 0 : Math.max(1, nareas);
        this.areaNslabs = nslabs == 0 ? 0 : (int) (nslabs / this.nareas);
        this.forceBounce = forceBounce;
        this.memory = memory;
        this.log = log;
        this.statics = statics;
        this.countsTotalUsed = statics.kernel().countsTotalUsed();
        this.areas = new IoTlbArea[this.nareas];
        for (int i = 0; i < this.nareas; i++) {
            areas[i] = new IoTlbArea();
        }
    }

    // ---- what the pool is ----

    @Override
    public String name() {
        return name;
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long end() {
        return start + (nslabs << IO_TLB_SHIFT);
    }

    @Override
    public long nslabs() {
        return nslabs;
    }

    @Override
    public boolean forceBounce() {
        return forceBounce && nslabs > 0;
    }

    @Override
    public int nareas() {
        return nareas;
    }

    @Override
    public boolean isSwiotlbBuffer(long phys) {
        return nslabs > 0 && Long.compareUnsigned(phys - start, nslabs << IO_TLB_SHIFT) < 0;
    }

    private Slots slots() {
        Slots s = slots;
        if (s == null) {
            synchronized (this) {
                s = slots;
                if (s == null) {
                    s = new Slots((int) nslabs);
                    slots = s;
                }
            }
        }
        return s;
    }

    // ---- small helpers of swiotlb.c ----

    static int offsetInSegment(long slot) {
        return (int) (slot & (IO_TLB_SEGSIZE - 1));
    }

    /** {@code nr_slots}: slots for {@code bytes} (unsigned). */
    static long nrSlots(long bytes) {
        return (bytes >>> IO_TLB_SHIFT) + ((bytes & (IO_TLB_SIZE - 1)) != 0 ? 1 : 0);
    }

    /** {@code get_max_slots}: the slots between two segment boundaries of the device. */
    static long maxSlots(long boundaryMask) {
        if (boundaryMask == -1L) {
            return 1L << (64 - IO_TLB_SHIFT);
        }
        return nrSlots(boundaryMask + 1);
    }

    /** {@code swiotlb_align_offset}: the bytes of the original's address the slot keeps. */
    static long alignOffset(DmaDevice dev, long addr) {
        return addr & dev.minAlignMask() & (IO_TLB_SIZE - 1);
    }

    /** {@code iommu_is_span_boundary}. */
    static boolean spansBoundary(long index, long nr, long shift, long boundarySize) {
        long s = (shift + index) & (boundarySize - 1);
        return s + nr > boundarySize;
    }

    private int wrap(long index) {
        return index >= areaNslabs ? 0 : (int) index;
    }

    private static String dev(DmaDevice d) {
        return d.driverString() + " " + d.name() + ": ";
    }

    private BounceCounters.Device counters(DmaDevice d) {
        return counters.of(d);
    }

    // ---- map ----

    @Override
    public long tblMapSingle(DmaDevice dev, long origAddr, long mappingSize, long allocSize, long allocAlignMask,
        DmaDirection dir, long attrs) {
        if (nslabs == 0) {
            counters(dev).failed.increment();
            if (statics.noPool.allow(statics.clock(), log::warn)) {
                log.warn(dev(dev) + "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA"
                    + " bounce buffer");
            }
            return MAPPING_ERROR;
        }
        if (Long.compareUnsigned(mappingSize, allocSize) > 0) {
            if (statics.once("swiotlb_tbl_map_single:sizes")) {
                log.warn(dev(dev) + "Invalid sizes (mapping: " + mappingSize + " bytes, alloc: " + allocSize + " bytes)");
            }
            counters(dev).failed.increment();
            return MAPPING_ERROR;
        }
        long offset = alignOffset(dev, origAddr);
        int index = findSlots(dev, origAddr, allocSize + offset, allocAlignMask);
        if (index < 0) {
            counters(dev).failed.increment();
            if ((attrs & DmaAttrs.NO_WARN) == 0 && statics.full.allow(statics.clock(), log::warn)) {
                log.warn(dev(dev) + "swiotlb buffer is full (sz: " + allocSize + " bytes), total " + nslabs
                    + " (slots), used " + used() + " (slots)");
            }
            return MAPPING_ERROR;
        }
        Slots s = slots();
        long n = nrSlots(allocSize + offset);
        for (int i = 0; i < n; i++) {
            s.origAddr[index + i] = origAddr + ((long) i << IO_TLB_SHIFT);
        }
        long tlbAddr = start + ((long) index << IO_TLB_SHIFT) + offset;
        // Unconditional, whatever the direction: a device that writes less than the whole buffer
        // must not hand stale bounce bytes (another mapping's data) back to the original.
        BounceCounters.Device c = counters(dev);
        bounce(dev, c, tlbAddr, mappingSize, DmaDirection.TO_DEVICE);
        c.maps.increment();
        return tlbAddr;
    }

    /** {@code swiotlb_find_slots}: the caller's area first, then each other one. */
    private int findSlots(DmaDevice dev, long origAddr, long allocSize, long allocAlignMask) {
        int first = SimCpu.current() & (nareas - 1);
        int i = first;
        do {
            int index = findInArea(dev, i, origAddr, allocSize, allocAlignMask);
            if (index >= 0) {
                return index;
            }
            if (++i >= nareas) {
                i = 0;
            }
        } while (i != first);
        return -1;
    }

    /** {@code swiotlb_do_find_slots} in one area: the first slot of the run, or -1. */
    private int findInArea(DmaDevice dev, int areaIndex, long origAddr, long allocSize, long allocAlignMask) {
        long boundaryMask = dev.segmentBoundary();
        long tblDmaAddr = DmaRange.physToDma(dev.dmaRanges(), start) & boundaryMask;
        long maxSlots = maxSlots(boundaryMask);
        long iotlbAlignMask = dev.minAlignMask() & 0xffffffffL;
        long nslots = nrSlots(allocSize);
        long offset = alignOffset(dev, origAddr);
        if (nslots == 0) {
            throw new IllegalArgumentException(dev(dev) + "swiotlb_tbl_map_single of 0 bytes: kernel BUG at"
                + " kernel/dma/swiotlb.c (BUG_ON(!nslots)); nothing was mapped");
        }
        long alignMask = allocAlignMask & 0xffffffffL;
        // Streaming mappings of a page or more stay page aligned when nothing else asks for an alignment.
        if (alignMask == 0 && iotlbAlignMask == 0 && Long.compareUnsigned(allocSize, PAGE_SIZE) >= 0) {
            alignMask = PAGE_SIZE - 1;
        }
        // At least slot aligned; the min_align_mask bits below the alignment come with the offset.
        alignMask |= IO_TLB_SIZE - 1;
        iotlbAlignMask &= ~alignMask;
        long stride = maxSlots(Math.max(alignMask, iotlbAlignMask));
        Slots s = slots();
        IoTlbArea area = areas[areaIndex];
        area.lock();
        try {
            if (nslots > areaNslabs - area.used) {
                return -1;
            }
            int slotBase = areaIndex * areaNslabs;
            int index = area.index;
            long shift = nrSlots(tblDmaAddr);
            for (long checked = 0; checked < areaNslabs; ) {
                int slot = slotBase + index;
                long tlbAddr = tblDmaAddr + ((long) slot << IO_TLB_SHIFT);
                if ((tlbAddr & alignMask) != 0
                    || (origAddr != 0 && (tlbAddr & iotlbAlignMask) != (origAddr & iotlbAlignMask))) {
                    index = wrap(index + 1L);
                    checked++;
                    continue;
                }
                // (A restricted pool whose size is no whole number of segments has counters that
                // promise slots past its end, which 6.1 would hand out; dmasim does not.)
                if (!spansBoundary(slot, nslots, shift, maxSlots) && s.list[slot] >= nslots
                    && slot + nslots <= nslabs) {
                    take(s, area, slot, (int) nslots, allocSize, offset);
                    area.index = wrap((long) index + nslots);
                    area.addUsed(nslots);
                    if (countsTotalUsed) {
                        usedHiwater.accumulateAndGet(totalUsed.addAndGet(nslots), Math::max);
                    }
                    return slot;
                }
                index = wrap(index + stride);
                checked += stride;
            }
            return -1;
        } finally {
            area.unlock();
        }
    }

    /** The found run becomes used; the free slots before it in the segment are renumbered. */
    private static void take(Slots s, IoTlbArea area, int slot, int nslots, long allocSize, long offset) {
        for (int i = slot; i < slot + nslots; i++) {
            s.list[i] = 0;
            s.allocSize[i] = allocSize - (offset + ((long) (i - slot) << IO_TLB_SHIFT));
        }
        renumberBefore(s.list, slot, 0);
    }

    /**
     * The free slots just before {@code slot} in its segment continue the free-run count backwards
     * from {@code count}: {@code count + 1}, {@code count + 2}, ... up to a used slot or the segment's
     * first slot.
     */
    private static void renumberBefore(int[] list, int slot, int count) {
        int segmentStart = slot - offsetInSegment(slot);
        for (int i = slot - 1; i >= segmentStart && list[i] != 0; i--) {
            list[i] = ++count;
        }
    }

    // ---- unmap ----

    @Override
    public void tblUnmapSingle(DmaDevice dev, long tlbAddr, long mappingSize, DmaDirection dir, long attrs) {
        int index = mappedSlot(dev, tlbAddr);
        if ((attrs & DmaAttrs.SKIP_CPU_SYNC) == 0
            && (dir == DmaDirection.FROM_DEVICE || dir == DmaDirection.BIDIRECTIONAL)) {
            bounce(dev, tlbAddr, mappingSize, DmaDirection.FROM_DEVICE);
        }
        release(dev, tlbAddr, index);
        counters(dev).unmaps.increment();
    }

    /** The first slot of the mapping that starts at {@code tlbAddr}; refuses anything else (the kernel would corrupt its counters). */
    private int mappedSlot(DmaDevice dev, long tlbAddr) {
        long offset = alignOffset(dev, tlbAddr);
        if (!isSwiotlbBuffer(tlbAddr)) {
            throw new IllegalArgumentException(String.format("dmasim: %sswiotlb_tbl_unmap_single(0x%016x): not an address"
                + " of the bounce pool %s [mem 0x%016x-0x%016x]; nothing was freed", dev(dev), tlbAddr, name, start,
                end() - 1));
        }
        int index = (int) ((tlbAddr - offset - start) >>> IO_TLB_SHIFT);
        Slots s = slots();
        boolean first = s.list[index] == 0 && s.origAddr[index] != INVALID_PHYS_ADDR
            && (index == 0 || s.list[index - 1] != 0 || s.origAddr[index - 1] == INVALID_PHYS_ADDR
                || s.allocSize[index - 1] != s.allocSize[index] + IO_TLB_SIZE);
        if (!first) {
            throw new IllegalArgumentException(String.format("dmasim: %sswiotlb_tbl_unmap_single(0x%016x): slot %d does"
                + " not start a live bounce buffer of %s; nothing was freed", dev(dev), tlbAddr, index, name));
        }
        return index;
    }

    /** {@code swiotlb_release_slots}. */
    private void release(DmaDevice dev, long tlbAddr, int index) {
        Slots s = slots();
        long offset = alignOffset(dev, tlbAddr);
        int nslots = (int) nrSlots(s.allocSize[index] + offset);
        IoTlbArea area = areas[index / areaNslabs];
        area.lock();
        try {
            int end = index + nslots;
            int count = end < alignUp(index + 1, IO_TLB_SEGSIZE) && end < nslabs ? s.list[end] : 0;
            for (int i = end - 1; i >= index; i--) {
                s.list[i] = ++count;
                s.origAddr[i] = INVALID_PHYS_ADDR;
                s.allocSize[i] = 0;
            }
            renumberBefore(s.list, index, count);
            area.addUsed(-nslots);
            if (countsTotalUsed) {
                totalUsed.addAndGet(-nslots);
            }
        } finally {
            area.unlock();
        }
    }

    private static int alignUp(int v, int a) {
        return (v + a - 1) / a * a;
    }

    // ---- syncs ----

    @Override
    public void syncSingleForDevice(DmaDevice dev, long tlbAddr, long size, DmaDirection dir) {
        if (dir == DmaDirection.TO_DEVICE || dir == DmaDirection.BIDIRECTIONAL) {
            bounce(dev, tlbAddr, size, DmaDirection.TO_DEVICE);
        } else if (dir != DmaDirection.FROM_DEVICE) {
            throw bug("swiotlb_sync_single_for_device", dev, dir);
        }
    }

    @Override
    public void syncSingleForCpu(DmaDevice dev, long tlbAddr, long size, DmaDirection dir) {
        if (dir == DmaDirection.FROM_DEVICE || dir == DmaDirection.BIDIRECTIONAL) {
            bounce(dev, tlbAddr, size, DmaDirection.FROM_DEVICE);
        } else if (dir != DmaDirection.TO_DEVICE) {
            throw bug("swiotlb_sync_single_for_cpu", dev, dir);
        }
    }

    private static IllegalArgumentException bug(String fn, DmaDevice dev, DmaDirection dir) {
        return new IllegalArgumentException(fn + "(" + dev.name() + "): direction " + (dir == null ? "null"
            : dir.kernelName()) + ": kernel BUG at kernel/dma/swiotlb.c; nothing was copied");
    }

    /** {@code swiotlb_bounce}: {@code size} bytes between the bounce buffer at {@code tlbAddr} and the original. */
    private void bounce(DmaDevice dev, long tlbAddr, long size, DmaDirection dir) {
        bounce(dev, null, tlbAddr, size, dir);
    }

    /** The same, counted on {@code counters} (the device's, looked up once by the caller), or on the device's when null. */
    private void bounce(DmaDevice dev, BounceCounters.Device counters, long tlbAddr, long size, DmaDirection dir) {
        if (!isSwiotlbBuffer(tlbAddr)) {
            return;
        }
        Slots s = slots();
        int index = (int) ((tlbAddr - start) >>> IO_TLB_SHIFT);
        long orig = s.origAddr[index];
        long alloc = s.allocSize[index];
        if (orig == INVALID_PHYS_ADDR) {
            return;
        }
        long tlbOffset = tlbAddr & (IO_TLB_SIZE - 1);
        long origOffset = alignOffset(dev, orig);
        if (tlbOffset < origOffset) {
            if (statics.once("swiotlb_bounce:before")) {
                log.warn(dev(dev) + "Access before mapping start detected. orig offset " + origOffset
                    + ", requested offset " + tlbOffset + ".");
            }
            return;
        }
        tlbOffset -= origOffset;
        if (tlbOffset > alloc) {
            if (statics.once("swiotlb_bounce:overflow-offset")) {
                log.warn(dev(dev) + "Buffer overflow detected. Allocation size: " + alloc + ". Mapping size: " + size
                    + "+" + tlbOffset + ".");
            }
            return;
        }
        orig += tlbOffset;
        alloc -= tlbOffset;
        if (Long.compareUnsigned(size, alloc) > 0) {
            if (statics.once("swiotlb_bounce:overflow")) {
                log.warn(dev(dev) + "Buffer overflow detected. Allocation size: " + alloc + ". Mapping size: " + size
                    + ".");
            }
            size = alloc;
        }
        if (size == 0) {
            return;
        }
        BounceCounters.Device c = counters != null ? counters : counters(dev);
        if (dir == DmaDirection.TO_DEVICE) {
            memory.copy(tlbAddr, orig, size);
            c.copiesOut.increment();
            c.bytesOut.add(size);
        } else {
            memory.copy(orig, tlbAddr, size);
            c.copiesBack.increment();
            c.bytesBack.add(size);
        }
    }

    // ---- views ----

    /**
     * {@code mem_used}: 6.1 sums the areas' counts without taking their locks (a count changing
     * meanwhile is read before or after the change); 6.6+ reads {@code total_used}.
     */
    long used() {
        if (countsTotalUsed) {
            return totalUsed.get();
        }
        long used = 0;
        for (IoTlbArea a : areas) {
            used += a.usedNow();
        }
        return used;
    }

    @Override
    public Optional<SwiotlbPool> restricted(String rmemName) {
        return statics.restricted(rmemName, memory, log).map(m -> m);
    }

    @Override
    public List<SwiotlbPool> restrictedPools() {
        return new ArrayList<>(statics.restrictedPools());
    }

    /** {@code /sys/kernel/debug/swiotlb} and the restricted pools' directories, as the platform's kernel fills them ({@link SwiotlbKernel}). */
    @Override
    public Map<String, String> debugfs() {
        Map<String, String> files = new LinkedHashMap<>();
        statics.kernel().debugfs(files, this, statics.restrictedPools());
        return files;
    }

    /** {@code used_hiwater}: the most slots in use at once since the pool was made. */
    long usedHiwater() {
        return usedHiwater.get();
    }

    @Override
    public SwiotlbStats stats() {
        List<SwiotlbStats.Area> as = new ArrayList<>();
        long used = 0;
        for (int i = 0; i < nareas; i++) {
            IoTlbArea a = areas[i];
            a.lock();
            try {
                as.add(new SwiotlbStats.Area(i, (long) i * areaNslabs, areaNslabs, a.used, a.index));
                used += a.used;
            } finally {
                a.unlock();
            }
        }
        return new SwiotlbStats(name, start, nslabs, used, as, counters.snapshot());
    }

    @Override
    public int[] freeRuns() {
        if (nslabs == 0) {
            return new int[0];
        }
        Slots s = slots();
        int[] out = new int[(int) nslabs];
        for (int i = 0; i < nareas; i++) {
            areas[i].lock();
            try {
                System.arraycopy(s.list, i * areaNslabs, out, i * areaNslabs, areaNslabs);
            } finally {
                areas[i].unlock();
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format("io_tlb_mem %s [mem 0x%016x-0x%016x] %d slots, %d area%s", name, start, end(), nslabs,
            nareas, nareas == 1 ? "" : "s");
    }
}
