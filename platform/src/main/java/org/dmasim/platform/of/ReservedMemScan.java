package org.dmasim.platform.of;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;

/**
 * {@code early_init_fdt_scan_reserved_mem()} ({@code drivers/of/fdt.c} and
 * {@code of_reserved_mem.c}, 6.1).
 *
 * <p>Order of work, as in the kernel: (1) every available /reserved-memory child with
 * {@code reg} is reserved (or marked nomap) at once and remembered by its first entry; a child
 * with only {@code size} is remembered with base 0; (2) the /memreserve/ header entries are
 * reserved; (3) the remembered regions are sorted by (base, size), checked for overlap, dynamic
 * ones are allocated from memblock (top-down, {@code alloc-ranges} windows in turn) and every
 * region is offered to the handlers of its compatible strings until one accepts it. A region no
 * handler accepts is given back, with the kernel's "compatible matching fail" line.
 */
public final class ReservedMemScan implements BootParticipant {
    /** CMA_MIN_ALIGNMENT_BYTES: one pageblock. */
    private static final long CMA_MIN_ALIGNMENT_BYTES = 2L << 20;
    private static final int MAX_RESERVED_REGIONS = 64;
    private static final String OF_FDT = "OF: fdt: ";
    private static final String OF_RMEM = "OF: reserved mem: ";

    @Override
    public String name() {
        return "platform.of";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return arch == Arch.ARM64 ? EnumSet.of(BootPhase.RESERVED_MEM) : EnumSet.noneOf(BootPhase.class);
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        Optional<DeviceTree> dt = ctx.deviceTree();
        if (dt.isEmpty() || !ctx.spec().kconfig().enabled("OF_RESERVED_MEM")) {
            return;
        }
        // What the architecture reserved before the scan: the kernel image and the DTB.
        List<Memblock.Region> early = ctx.memblock().reserved();
        List<ReservedMem> saved = scan(dt.get(), ctx);
        for (DeviceTree.MemReserve r : dt.get().memReserves()) {
            if (r.size() != 0) {
                ctx.memblock().reserve(r.address(), r.size());
            }
        }
        initReservedMem(saved, dt.get(), ctx, early);
    }

    private List<ReservedMem> scan(DeviceTree dt, BootContext ctx) {
        List<ReservedMem> saved = new ArrayList<>();
        Optional<DtNode> rm = dt.find("/reserved-memory");
        if (rm.isEmpty()) {
            return saved;
        }
        DtNode root = dt.root();
        DtNode parent = rm.get();
        if (parent.sizeCells() != root.sizeCells() || parent.addressCells() != root.addressCells()
            || !parent.has("ranges")) {
            ctx.log().err(OF_FDT + "Reserved memory: unsupported node format, ignoring");
            return saved;
        }
        int ac = root.addressCells();
        int sc = root.sizeCells();
        for (DtNode child : parent.children()) {
            if (!child.isAvailable()) {
                continue;
            }
            Optional<DtProperty> reg = child.property("reg");
            if (reg.isEmpty()) {
                if (child.has("size")) {
                    save(saved, new ReservedMem(child.name(), child, 0, 0), ctx.log());
                }
                continue;
            }
            int tlen = (ac + sc) * 4;
            int len = reg.get().length();
            if (len != 0 && len % tlen != 0) {
                ctx.log().err(OF_FDT + "Reserved memory: invalid reg property in '" + child.name()
                    + "', skipping node.");
                continue;
            }
            boolean nomap = child.has("no-map");
            boolean first = true;
            for (int at = 0; at + (ac + sc) <= reg.get().cellCount(); at += ac + sc) {
                long base = reg.get().cells(at, ac);
                long size = reg.get().cells(at + ac, sc);
                if (size == 0 || !reserveEarly(ctx.memblock(), base, size, nomap)) {
                    ctx.log().err(String.format("%sReserved memory: failed to reserve memory for node '%s': base %s, size %d MiB",
                        OF_FDT, child.name(), Fmt.pa(base), size >>> 20));
                }
                if (first) {
                    save(saved, new ReservedMem(child.name(), child, base, size), ctx.log());
                    first = false;
                }
            }
        }
        return saved;
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

    private static void save(List<ReservedMem> saved, ReservedMem rmem, BootLog log) {
        if (saved.size() == MAX_RESERVED_REGIONS) {
            log.err(OF_RMEM + "not enough space for all defined regions.");
            return;
        }
        saved.add(rmem);
    }

    private void initReservedMem(List<ReservedMem> saved, DeviceTree dt, BootContext ctx, List<Memblock.Region> early) {
        checkOverlap(saved, ctx.log());
        int ac = dt.root().addressCells();
        int sc = dt.root().sizeCells();
        for (ReservedMem rmem : saved) {
            boolean nomap = rmem.node().has("no-map");
            int err = 0;
            if (rmem.size() == 0) {
                err = allocSize(rmem, ac, sc, nomap, ctx);
            }
            if (err != 0) {
                continue;
            }
            err = initNode(rmem, ctx);
            if (err != 0 && err != -Errno.ENOENT) {
                ctx.log().info(OF_RMEM + "node " + rmem.name() + " compatible matching fail");
                if (nomap) {
                    ctx.memblock().clearNomap(rmem.base(), rmem.size());
                } else {
                    ctx.memblock().free(rmem.base(), rmem.size());
                    keepEarlyReservations(rmem, early, ctx);
                }
            }
            if (err == 0 || err == -Errno.ENOENT) {
                ctx.reservedMem().add(rmem);
            }
        }
    }

    /**
     * {@code memblock_phys_free} of a region no driver took also frees whatever of the kernel
     * image or the DTB the region overlapped; Linux 6.1 would then hand pages of its own image
     * to the page allocator and corrupt them later. dmasim keeps those reservations and says so.
     */
    private static void keepEarlyReservations(ReservedMem rmem, List<Memblock.Region> early, BootContext ctx) {
        long end = rmem.base() + rmem.size();
        for (Memblock.Region r : early) {
            if (Long.compareUnsigned(r.base(), end) < 0 && Long.compareUnsigned(rmem.base(), r.end()) < 0) {
                ctx.memblock().reserve(r.base(), r.size());
                ctx.log().dmasim(String.format("%s: region %s [mem %#018x-%#018x] overlaps [mem %#018x-%#018x], reserved"
                    + " before the scan (the kernel image or the DTB); Linux 6.1 frees that too when no driver takes the"
                    + " region, handing its own pages to the page allocator; dmasim keeps them reserved",
                    ctx.deviceTree().map(DeviceTree::source).orElse("device tree"), rmem.node().path(), rmem.base(),
                    end - 1, r.base(), r.end() - 1));
            }
        }
    }

    /**
     * {@code __rmem_check_for_overlap}: sorts by (base, size) and reports overlaps. The kernel
     * sorts with the unstable heapsort of lib/sort.c; regions with equal keys (several dynamic
     * ones) keep device-tree order here.
     */
    private static void checkOverlap(List<ReservedMem> saved, BootLog log) {
        if (saved.size() < 2) {
            return;
        }
        saved.sort(Comparator.comparing(ReservedMem::base, Long::compareUnsigned)
            .thenComparing(ReservedMem::size, Long::compareUnsigned));
        for (int i = 0; i + 1 < saved.size(); i++) {
            ReservedMem a = saved.get(i);
            ReservedMem b = saved.get(i + 1);
            if (Long.compareUnsigned(a.base() + a.size(), b.base()) > 0) {
                log.err(String.format("%sOVERLAP DETECTED!%n%s (%s--%s) overlaps with %s (%s--%s)", OF_RMEM,
                    a.name(), Fmt.pa(a.base()), Fmt.pa(a.base() + a.size()),
                    b.name(), Fmt.pa(b.base()), Fmt.pa(b.base() + b.size())));
            }
        }
    }

    /** {@code __reserved_mem_alloc_size}: places a region that gives only a size. */
    private int allocSize(ReservedMem rmem, int ac, int sc, boolean nomap, BootContext ctx) {
        DtNode node = rmem.node();
        BootLog log = ctx.log();
        Optional<DtProperty> sizeProp = node.property("size");
        if (sizeProp.isEmpty()) {
            // A static region whose first reg entry has size 0 ends up here too; without a
            // 'size' there is nothing to allocate, and the kernel drops the node silently.
            return -Errno.EINVAL;
        }
        if (sizeProp.get().length() != sc * 4) {
            log.err(OF_RMEM + "invalid size property in '" + rmem.name() + "' node.");
            return -Errno.EINVAL;
        }
        long size = sizeProp.get().cells(0, sc);
        long align = 0;
        Optional<DtProperty> alignProp = node.property("alignment");
        if (alignProp.isPresent()) {
            if (alignProp.get().length() != ac * 4) {
                log.err(OF_RMEM + "invalid alignment property in '" + rmem.name() + "' node.");
                return -Errno.EINVAL;
            }
            align = alignProp.get().cells(0, ac);
        }
        if (ctx.spec().kconfig().enabled("CMA") && node.isCompatible("shared-dma-pool")
            && node.has("reusable") && !nomap) {
            align = Math.max(align, CMA_MIN_ALIGNMENT_BYTES);
        }
        long base = 0;
        Optional<DtProperty> ranges = node.property("alloc-ranges");
        if (ranges.isPresent()) {
            int tlen = (ac + sc) * 4;
            if (ranges.get().length() % tlen != 0) {
                log.err(OF_RMEM + "invalid alloc-ranges property in '" + rmem.name() + "', skipping node.");
                return -Errno.EINVAL;
            }
            for (long[] e : DtNode.entries(ranges.get(), ac, sc)) {
                base = allocReserved(ctx.memblock(), size, align, e[0], e[0] + e[1], nomap);
                if (base != 0) {
                    break;
                }
            }
        } else {
            base = allocReserved(ctx.memblock(), size, align, 0, 0, nomap);
        }
        if (base == 0) {
            log.err(String.format("%sfailed to allocate memory for node '%s': size %d MiB", OF_RMEM,
                rmem.name(), size >>> 20));
            return -Errno.ENOMEM;
        }
        rmem.place(base, size);
        return 0;
    }

    /** {@code early_init_dt_alloc_reserved_memory_arch}: end 0 means anywhere. */
    private static long allocReserved(Memblock mb, long size, long align, long start, long end, boolean nomap) {
        long base = mb.allocRange(size, align, start, end == 0 ? Memblock.ALLOC_ANYWHERE : end);
        if (base != 0 && nomap) {
            mb.markNomap(base, size);
        }
        return base;
    }

    /** {@code __reserved_mem_init_node}: handlers of each compatible in link order. */
    private static int initNode(ReservedMem rmem, BootContext ctx) {
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
                ctx.log().info(OF_RMEM + "initialized node " + rmem.name() + ", compatible id " + c.compatible);
                break;
            }
        }
        return ret;
    }

    private record Candidate(String compatible, ReservedMemHandler handler) {
    }
}
