package org.dmasim.platform.of;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.BootLog;

/**
 * The steps of {@code drivers/of/of_reserved_mem.c} (and 6.1's part of {@code drivers/of/fdt.c})
 * that every modelled kernel takes, each with the kernel's messages: reserving a node's
 * {@code reg} entries, placing a node that gives only a {@code size}, offering a region to the
 * handlers of its compatibles, and the overlap check. In which order, and when, is the kernel
 * version's ({@link OfReservedMem}); so is the prefix of the {@code Reserved memory:} messages
 * about the tree's format, which moved from {@code OF: fdt: } (6.1, fdt.c) to
 * {@code OF: reserved mem: } (6.12, of_reserved_mem.c).
 */
final class ReservedMemRegions {
    /** CMA_MIN_ALIGNMENT_BYTES: one pageblock. */
    static final long CMA_MIN_ALIGNMENT_BYTES = 2L << 20;
    static final int MAX_RESERVED_REGIONS = 64;
    static final String OF_RMEM = "OF: reserved mem: ";

    private final BootContext ctx;
    private final DeviceTree dt;
    /** Where the "Reserved memory: ..." format messages go: "OF: fdt: " or "OF: reserved mem: ". */
    private final String formatPrefix;
    private final int ac;
    private final int sc;
    /** What the architecture reserved before the scan: the kernel image and the DTB. */
    private final List<Memblock.Region> early;
    /** The regions given back so far (their reservations are gone, nothing to keep of them). */
    private final Set<DtNode> givenBack = new HashSet<>();

    ReservedMemRegions(BootContext ctx, DeviceTree dt, String formatPrefix) {
        this.ctx = ctx;
        this.dt = dt;
        this.formatPrefix = formatPrefix;
        this.ac = dt.root().addressCells();
        this.sc = dt.root().sizeCells();
        this.early = ctx.memblock().reserved();
    }

    BootLog log() {
        return ctx.log();
    }

    /** The /reserved-memory node, if the tree has one. */
    Optional<DtNode> parent() {
        return dt.find("/reserved-memory");
    }

    /**
     * {@code __reserved_mem_check_root()}: the parent's cells match the root's and it has
     * {@code ranges}; otherwise the kernel's complaint, and false.
     */
    boolean checkRoot(DtNode parent) {
        DtNode root = dt.root();
        if (parent.sizeCells() != root.sizeCells() || parent.addressCells() != root.addressCells()
            || !parent.has("ranges")) {
            log().err(formatPrefix + "Reserved memory: unsupported node format, ignoring");
            return false;
        }
        return true;
    }

    /** {@code reg} entries of {@code (ac + sc)} cells: whether the property's length is whole. */
    boolean regValid(DtNode child) {
        DtProperty reg = child.property("reg").orElseThrow();
        int len = reg.length();
        if (len != 0 && len % ((ac + sc) * 4) != 0) {
            log().err(formatPrefix + "Reserved memory: invalid reg property in '" + child.name() + "', skipping node.");
            return false;
        }
        return true;
    }

    /** The node's {@code reg} entries, whole ones only: (base, size) each. */
    List<long[]> regEntries(DtNode child) {
        DtProperty reg = child.property("reg").orElseThrow();
        List<long[]> out = new ArrayList<>();
        for (int at = 0; at + (ac + sc) <= reg.cellCount(); at += ac + sc) {
            out.add(new long[] {reg.cells(at, ac), reg.cells(at + ac, sc)});
        }
        return out;
    }

    /**
     * {@code __reserved_mem_reserve_reg()}'s loop: every entry reserved (or marked no-map) at
     * once, each failure reported.
     */
    void reserveRegs(DtNode child) {
        boolean nomap = child.has("no-map");
        for (long[] e : regEntries(child)) {
            if (e[1] == 0 || !reserveEarly(ctx.memblock(), e[0], e[1], nomap)) {
                log().err(String.format("%sReserved memory: failed to reserve memory for node '%s': base %s, size %d MiB",
                    formatPrefix, child.name(), Fmt.pa(e[0]), e[1] >>> 20));
            }
        }
    }

    /** {@code early_init_dt_reserve_memory}: nomap refuses memory that is already reserved. */
    private static boolean reserveEarly(Memblock mb, long base, long size, boolean nomap) {
        if (nomap) {
            if (mb.overlapsMemory(base, size) && mb.isRegionReserved(base, size)) {
                return false;
            }
            mb.markNomap(base, size);
            return mb.lastError() == 0;
        }
        mb.reserve(base, size);
        return mb.lastError() == 0;
    }

    /** The /memreserve/ entries of the blob's header, reserved. */
    void reserveMemReserves() {
        for (DeviceTree.MemReserve r : dt.memReserves()) {
            if (r.size() != 0) {
                ctx.memblock().reserve(r.address(), r.size());
            }
        }
    }

    /**
     * {@code __reserved_mem_alloc_size}: places a region that gives only a size, top-down (in
     * each {@code alloc-ranges} window in turn, by {@code range}'s choice of direction).
     * Returns 0 or a negative errno, after the kernel's message.
     */
    int allocSize(ReservedMem rmem, RangeAllocator range) {
        DtNode node = rmem.node();
        Optional<DtProperty> sizeProp = node.property("size");
        if (sizeProp.isEmpty()) {
            // A static region whose first reg entry has size 0 ends up here too; without a
            // 'size' there is nothing to allocate, and the kernel drops the node silently.
            return -Errno.EINVAL;
        }
        if (sizeProp.get().length() != sc * 4) {
            log().err(OF_RMEM + "invalid size property in '" + rmem.name() + "' node.");
            return -Errno.EINVAL;
        }
        long size = sizeProp.get().cells(0, sc);
        long align = 0;
        Optional<DtProperty> alignProp = node.property("alignment");
        if (alignProp.isPresent()) {
            if (alignProp.get().length() != ac * 4) {
                log().err(OF_RMEM + "invalid alignment property in '" + rmem.name() + "' node.");
                return -Errno.EINVAL;
            }
            align = alignProp.get().cells(0, ac);
        }
        boolean nomap = node.has("no-map");
        if (ctx.spec().kconfig().enabled("CMA") && node.isCompatible("shared-dma-pool")
            && node.has("reusable") && !nomap) {
            align = Math.max(align, CMA_MIN_ALIGNMENT_BYTES);
        }
        long base = 0;
        Optional<DtProperty> ranges = node.property("alloc-ranges");
        if (ranges.isPresent()) {
            int tlen = (ac + sc) * 4;
            if (ranges.get().length() % tlen != 0) {
                log().err(OF_RMEM + "invalid alloc-ranges property in '" + rmem.name() + "', skipping node.");
                return -Errno.EINVAL;
            }
            for (long[] e : DtNode.entries(ranges.get(), ac, sc)) {
                base = range.alloc(size, align, e[0], e[0] + e[1], nomap);
                if (base != 0) {
                    break;
                }
            }
        } else {
            base = allocReserved(size, align, 0, 0, nomap);
        }
        if (base == 0) {
            log().err(String.format("%sfailed to allocate memory for node '%s': size %d MiB", OF_RMEM,
                rmem.name(), size >>> 20));
            return -Errno.ENOMEM;
        }
        rmem.place(base, size);
        return 0;
    }

    /** How an {@code alloc-ranges} window is allocated in: 6.1 always top-down, 6.12 by its neighbours. */
    interface RangeAllocator {
        long alloc(long size, long align, long start, long end, boolean nomap);
    }

    /** {@code early_init_dt_alloc_reserved_memory_arch}: end 0 means anywhere. */
    long allocReserved(long size, long align, long start, long end, boolean nomap) {
        Memblock mb = ctx.memblock();
        long base = mb.allocRange(size, align, start, end == 0 ? Memblock.ALLOC_ANYWHERE : end);
        if (base != 0 && nomap) {
            mb.markNomap(base, size);
        }
        return base;
    }

    /**
     * The region offered to its handlers, and the kernel's reaction: a region no handler takes
     * (a handler refused it; "no handler at all" is fine) is given back with the
     * "compatible matching fail" line. Returns the handlers' verdict; the region joins the
     * platform's list unless it was given back.
     */
    int init(ReservedMem rmem) {
        int err = initNode(rmem);
        if (err != 0 && err != -Errno.ENOENT) {
            log().info(OF_RMEM + "node " + rmem.name() + " compatible matching fail");
            if (rmem.node().has("no-map")) {
                ctx.memblock().clearNomap(rmem.base(), rmem.size());
            } else {
                ctx.memblock().free(rmem.base(), rmem.size());
                keepOtherReservations(rmem);
            }
        } else {
            ctx.reservedMem().add(rmem);
        }
        return err;
    }

    /** {@code __reserved_mem_init_node}: handlers of each compatible in link order. */
    private int initNode(ReservedMem rmem) {
        int ret = -Errno.ENOENT;
        List<String> compatibles = rmem.node().property("compatible").map(DtProperty::strings).orElse(List.of());
        List<Candidate> candidates = new ArrayList<>();
        for (String compat : compatibles) {
            for (ReservedMemHandler h : ctx.reservedMemHandlers(compat)) {
                candidates.add(new Candidate(compat, h));
            }
        }
        candidates.sort(Comparator.comparingInt(c -> c.handler.rank()));
        for (Candidate c : candidates) {
            ret = c.handler.init(rmem, ctx);
            if (ret == 0) {
                log().info(OF_RMEM + "initialized node " + rmem.name() + ", compatible id " + c.compatible);
                break;
            }
        }
        return ret;
    }

    private record Candidate(String compatible, ReservedMemHandler handler) {
    }

    /**
     * {@code memblock_phys_free} of a region no driver took also frees whatever it overlapped of
     * the kernel image, the DTB or another reserved-memory region's {@code reg}; Linux would then
     * hand those pages to the page allocator while their owner still uses them (its own image, or
     * a CMA area that later frees them again). dmasim keeps those reservations and says so.
     */
    private void keepOtherReservations(ReservedMem rmem) {
        // What memblock_phys_free frees: a size reaching past the end of the address space is cut
        // there (memblock_cap_size), so the overlap test must not see a wrapped end.
        long end = Memblock.cappedEnd(rmem.base(), rmem.size());
        givenBack.add(rmem.node());
        for (Memblock.Region r : early) {
            keepIfOverlapping(rmem, end, r.base(), r.end(), "reserved before the scan (the kernel image or the DTB)");
        }
        for (DtNode other : parent().map(DtNode::children).orElse(List.of())) {
            if (givenBack.contains(other) || !other.isAvailable() || other.has("no-map")
                || other.property("reg").isEmpty() || other.property("reg").get().length() % ((ac + sc) * 4) != 0) {
                continue; // no-map regions are a flag on memory, which memblock_phys_free leaves alone
            }
            for (long[] e : regEntries(other)) {
                if (e[1] != 0) {
                    keepIfOverlapping(rmem, end, e[0], Memblock.cappedEnd(e[0], e[1]), "the reservation of " + other.path());
                }
            }
        }
    }

    private void keepIfOverlapping(ReservedMem rmem, long end, long base, long otherEnd, String what) {
        if (Long.compareUnsigned(base, end) < 0 && Long.compareUnsigned(rmem.base(), otherEnd) < 0) {
            ctx.memblock().reserve(base, otherEnd - base);
            ctx.log().dmasim(String.format("%s: region %s [mem %#018x-%#018x] overlaps [mem %#018x-%#018x], %s;"
                + " Linux %s frees that too when no driver takes the region, handing pages still in use to the page"
                + " allocator; dmasim keeps them reserved", dt.source(), rmem.node().path(), rmem.base(), end - 1, base,
                otherEnd - 1, what, ctx.spec().kernel()));
        }
    }

    /**
     * {@code __rmem_check_for_overlap}: sorts by (base, size), reports overlaps and returns the
     * sorted regions. The kernel
     * sorts with the unstable heapsort of lib/sort.c; regions with equal keys (several dynamic
     * ones) keep device-tree order here.
     */
    List<ReservedMem> checkOverlap(List<ReservedMem> regions) {
        List<ReservedMem> sorted = new ArrayList<>(regions);
        if (sorted.size() < 2) {
            return sorted;
        }
        sorted.sort(Comparator.comparing(ReservedMem::base, Long::compareUnsigned)
            .thenComparing(ReservedMem::size, Long::compareUnsigned));
        for (int i = 0; i + 1 < sorted.size(); i++) {
            ReservedMem a = sorted.get(i);
            ReservedMem b = sorted.get(i + 1);
            if (Long.compareUnsigned(a.base() + a.size(), b.base()) > 0) {
                log().err(String.format("%sOVERLAP DETECTED!%n%s (%s--%s) overlaps with %s (%s--%s)", OF_RMEM,
                    a.name(), Fmt.pa(a.base()), Fmt.pa(a.base() + a.size()),
                    b.name(), Fmt.pa(b.base()), Fmt.pa(b.base() + b.size())));
            }
        }
        return sorted;
    }
}
