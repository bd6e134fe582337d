package org.dmasim.platform.of;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * When and in which order a kernel version sets up the device tree's {@code /reserved-memory}
 * regions: one object per version, picked by the platform's kernel ({@link #of}); the steps
 * themselves are {@link ReservedMemRegions}'. Adding a kernel is adding a subclass and its entry
 * in {@link #BY_VERSION}.
 *
 * <p>6.1 ({@code early_init_fdt_scan_reserved_mem}, all at once): reserve every node's
 * {@code reg} entries, remember each node by its first entry (a size-only node with base 0), the
 * /memreserve/ entries, then sort by (base, size), allocate the size-only ones and offer every
 * region to its handlers in that sorted order.
 *
 * <p>6.12 (the rework of 6.12-rc1, {@code fdt_scan_reserved_mem} and
 * {@code fdt_scan_reserved_mem_reg_nodes}): reserve every node's {@code reg} entries, then
 * allocate the size-only nodes in device-tree order and set each up at once, then the
 * /memreserve/ entries; the static regions are set up later, from {@code unflatten_device_tree()},
 * in device-tree order (by their first {@code reg} entry, the others ignored with a warning).
 * Every region set up without a handler's refusal is announced:
 * {@code 0x<base>..0x<end> (<KiB> KiB) <map|nomap> <reusable|non-reusable> <name>}; a tree without
 * {@code /reserved-memory} says {@code Reserved memory: No reserved-memory node in the DT}.
 */
abstract class OfReservedMem {
    private static final ByKernel<OfReservedMem> BY_VERSION = ByKernel.of("/reserved-memory handling",
        Map.of("6.1", new V6_1(), "6.12", new V6_12()));

    static OfReservedMem of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    /** {@code early_init_fdt_scan_reserved_mem()}, from {@code arm64_memblock_init()}. */
    abstract void earlyScan(BootContext ctx, DeviceTree dt);

    /** What {@code unflatten_device_tree()} does with reserved memory before it allocates. */
    abstract void atUnflatten(BootContext ctx, DeviceTree dt);

    /** Linux 6.1: everything at the early scan, in (base, size) order. */
    static final class V6_1 extends OfReservedMem {
        @Override
        void earlyScan(BootContext ctx, DeviceTree dt) {
            ReservedMemRegions r = new ReservedMemRegions(ctx, dt, "OF: fdt: ");
            List<ReservedMem> saved = new ArrayList<>();
            Optional<DtNode> parent = r.parent();
            if (parent.isPresent() && r.checkRoot(parent.get())) {
                for (DtNode child : parent.get().children()) {
                    if (!child.isAvailable()) {
                        continue;
                    }
                    if (!child.has("reg")) {
                        if (child.has("size")) {
                            save(r, saved, new ReservedMem(child.name(), child, 0, 0));
                        }
                        continue;
                    }
                    if (!r.regValid(child)) {
                        continue;
                    }
                    r.reserveRegs(child);
                    List<long[]> entries = r.regEntries(child);
                    if (!entries.isEmpty()) {
                        save(r, saved, new ReservedMem(child.name(), child, entries.get(0)[0], entries.get(0)[1]));
                    }
                }
            }
            r.reserveMemReserves();
            // fdt_init_reserved_mem()
            for (ReservedMem rmem : r.checkOverlap(saved)) {
                if (rmem.size() == 0 && r.allocSize(rmem, r::allocReserved) != 0) {
                    continue;
                }
                r.init(rmem);
            }
        }

        private static void save(ReservedMemRegions r, List<ReservedMem> saved, ReservedMem rmem) {
            if (saved.size() == ReservedMemRegions.MAX_RESERVED_REGIONS) {
                r.log().err(ReservedMemRegions.OF_RMEM + "not enough space for all defined regions.");
                return;
            }
            saved.add(rmem);
        }

        @Override
        void atUnflatten(BootContext ctx, DeviceTree dt) {
        }
    }

    /** Linux 6.12: dynamic regions at the early scan, static ones at unflatten time, each announced. */
    static final class V6_12 extends OfReservedMem {
        /** {@code sizeof(struct reserved_mem)}: name, fdt_node, ops, base, size, priv. */
        static final long RESERVED_MEM_SIZE = 48;

        /** {@code reserved_mem[]} as far as set up, and its capacity ({@code total_reserved_mem_cnt}). */
        private static final class Saved {
            final List<ReservedMem> regions = new ArrayList<>();
            int capacity = ReservedMemRegions.MAX_RESERVED_REGIONS;
        }

        @Override
        void earlyScan(BootContext ctx, DeviceTree dt) {
            ReservedMemRegions r = new ReservedMemRegions(ctx, dt, ReservedMemRegions.OF_RMEM);
            Saved saved = new Saved();
            ctx.put(Saved.class, saved);
            Optional<DtNode> parent = r.parent();
            if (parent.isPresent() && r.checkRoot(parent.get())) {
                int count = 0;
                List<DtNode> dynamic = new ArrayList<>();
                for (DtNode child : parent.get().children()) {
                    if (!child.isAvailable()) {
                        continue;
                    }
                    if (!child.has("reg")) {
                        if (child.has("size")) {
                            dynamic.add(child);
                        }
                        continue;
                    }
                    if (r.regValid(child)) {
                        r.reserveRegs(child);
                        count++;
                    }
                }
                // Dynamic regions after every static one is reserved, so none lands on one.
                for (DtNode child : dynamic) {
                    ReservedMem rmem = new ReservedMem(child.name(), child, 0, 0);
                    if (r.allocSize(rmem, (size, align, start, end, nomap) -> allocInRange(ctx, saved, r, size, align,
                        start, end, nomap)) == 0) {
                        save(r, saved, rmem);
                        count++;
                    }
                }
                saved.capacity = count;
            }
            r.reserveMemReserves();
        }

        /**
         * {@code __reserved_mem_alloc_in_range()}: an {@code alloc-ranges} window that starts
         * at (or in) a region already set up is allocated bottom-up, one that ends there
         * top-down, to keep reservations together; otherwise memblock's direction.
         */
        private static long allocInRange(BootContext ctx, Saved saved, ReservedMemRegions r, long size, long align,
            long start, long end, boolean nomap) {
            boolean bottomUp = false;
            boolean topDown = false;
            for (ReservedMem rmem : saved.regions) {
                if (rmem.size() == 0) {
                    continue;
                }
                long rEnd = rmem.base() + rmem.size();
                if (Long.compareUnsigned(start, rmem.base()) >= 0 && Long.compareUnsigned(start, rEnd) <= 0) {
                    bottomUp = true;
                }
                if (Long.compareUnsigned(end, rmem.base()) >= 0 && Long.compareUnsigned(end, rEnd) <= 0) {
                    topDown = true;
                }
            }
            Memblock mb = ctx.memblock();
            boolean previous = mb.bottomUp();
            if (bottomUp != topDown) {
                mb.setBottomUp(bottomUp);
            }
            long base = r.allocReserved(size, align, start, end, nomap);
            if (bottomUp != topDown) {
                mb.setBottomUp(previous);
            }
            return base;
        }

        /** {@code fdt_reserved_mem_save_node()}: remembered and set up at once. */
        private static void save(ReservedMemRegions r, Saved saved, ReservedMem rmem) {
            if (saved.regions.size() == saved.capacity) {
                r.log().err(ReservedMemRegions.OF_RMEM + "not enough space for all defined regions.");
                return;
            }
            saved.regions.add(rmem);
            int err = r.init(rmem);
            if (err == 0 || err == -Errno.ENOENT) {
                announce(r, rmem);
            }
        }

        /** {@code fdt_init_reserved_mem_node()}'s line for a region no handler refused. */
        private static void announce(ReservedMemRegions r, ReservedMem rmem) {
            DtNode node = rmem.node();
            r.log().info(String.format("%s%s..%s (%d KiB) %s %s %s", ReservedMemRegions.OF_RMEM, Fmt.pa(rmem.base()),
                Fmt.pa(rmem.base() + rmem.size() - 1), rmem.size() >>> 10, node.has("no-map") ? "nomap" : "map",
                node.has("reusable") ? "reusable" : "non-reusable", rmem.name()));
        }

        /** {@code fdt_scan_reserved_mem_reg_nodes()}, first thing in {@code unflatten_device_tree()}. */
        @Override
        void atUnflatten(BootContext ctx, DeviceTree dt) {
            ReservedMemRegions r = new ReservedMemRegions(ctx, dt, ReservedMemRegions.OF_RMEM);
            Saved saved = ctx.get(Saved.class).orElseGet(Saved::new);
            Optional<DtNode> parent = r.parent();
            if (parent.isEmpty()) {
                r.log().info(ReservedMemRegions.OF_RMEM + "Reserved memory: No reserved-memory node in the DT");
                return;
            }
            allocArray(ctx, r, saved.capacity);
            if (!r.checkRoot(parent.get())) {
                return;
            }
            for (DtNode child : parent.get().children()) {
                if (!child.has("reg") || !child.isAvailable() || !r.regValid(child)) {
                    continue;
                }
                List<long[]> entries = r.regEntries(child);
                if (entries.size() > 1) {
                    r.log().warn(ReservedMemRegions.OF_RMEM + "fdt_scan_reserved_mem_reg_nodes() ignores "
                        + (entries.size() - 1) + " regions in node '" + child.name() + "'");
                }
                if (!entries.isEmpty() && entries.get(0)[1] != 0) {
                    save(r, saved, new ReservedMem(child.name(), child, entries.get(0)[0], entries.get(0)[1]));
                }
            }
            r.checkOverlap(saved.regions);
        }

        /** {@code alloc_reserved_mem_array()}: the array of regions moves to memblock memory. */
        private static void allocArray(BootContext ctx, ReservedMemRegions r, int count) {
            long size = count * RESERVED_MEM_SIZE;
            if (size == 0) {
                return;
            }
            if (ctx.memblock().allocTryNid(size, Memblock.SMP_CACHE_BYTES, 0, Memblock.ALLOC_ACCESSIBLE) == 0) {
                r.log().err(ReservedMemRegions.OF_RMEM + "Failed to allocate memory for reserved_mem array with err: "
                    + -Errno.ENOMEM);
            }
        }
    }
}
