package org.dmasim.platform.mem;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.KernelVirtualLayout;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.InvalidInputException;

/**
 * Publishes the platform's RAM contents, its CPU data cache ({@link CpuCache}; the platform's
 * {@link PhysMemory} is the CPU's cached view) and kernel address space once memblock.memory is
 * final (the start of free_area_init), ahead of everything that allocates at run time.
 *
 * <p>It is also where a node too large for the simulator is refused, at the end of the MEMBLOCK
 * phase before any early allocation is sized by it: the page allocator keeps
 * per-section tables for the whole span of node 0 (holes included) and supports at most
 * {@link #MAX_NODE_SPAN} of it. Linux 6.1 itself goes further (2^48 bytes of physical address
 * space on arm64, 2^46 on x86_64 with 4-level paging); the message says that this is dmasim's
 * limit and names the input that crosses it.
 */
public final class MemoryBoot implements BootParticipant {
    /** The span of pfns mm.buddy's section table covers: 2^31 pages of 4 KiB. */
    public static final long MAX_NODE_SPAN = 1L << 43;

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.MEMBLOCK, BootPhase.FREE_AREA_INIT);
    }

    @Override
    public int rank(BootPhase phase) {
        // The span check last in MEMBLOCK, once the architecture has memblock.memory final and
        // before any early allocation sizes its tables by it; the RAM contents before the zones
        // are built (mm.buddy attaches them to its allocator).
        return phase == BootPhase.MEMBLOCK ? 1000 : -50;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        Memblock mb = ctx.memblock();
        if (phase == BootPhase.MEMBLOCK) {
            checkSpan(ctx, mb);
            return;
        }
        DataCache cache = new DataCache(new SparseRam(mb.memory()), ctx.spec().cacheEviction());
        ctx.put(CpuCache.class, cache);
        // What kernel code reaching memory by physical address sees (page zeroing, migration):
        // the linear map's cacheable path.
        ctx.put(PhysMemory.class, cache.cpu());
        KernelVirtualLayout layout = ctx.require(ArchSupport.class).virtualLayout(mb.startOfDram());
        ctx.put(KernelVm.class, new KernelAddressSpace(layout, cache, mb.endOfDram()));
        if (cache.eviction().enabled()) {
            ctx.log().dmasim("CPU data cache: random write-back eviction " + cache.eviction() + " (each CPU line"
                + " access evicts a random cached line with probability " + cache.eviction().rate() + ")");
        }
    }

    private static void checkSpan(BootContext ctx, Memblock mb) {
        if (mb.memory().isEmpty()) {
            return;
        }
        long section = 1L << Page.SECTION_SIZE_BITS;
        long first = mb.startOfDram() & -section;
        long last = mb.endOfDram() - 1;
        if (Long.compareUnsigned(last - first, MAX_NODE_SPAN - 1) <= 0) {
            return;
        }
        throw new InvalidInputException(String.format("%s: RAM spans [mem %#018x-%#018x] (%d GiB, holes included);"
            + " dmasim simulates at most %d TiB of physical address space in a node (a limit of the simulator, not of"
            + " Linux)", source(ctx, last), mb.startOfDram(), last, Long.divideUnsigned(last - first + 1, 1L << 30),
            MAX_NODE_SPAN >>> 40));
    }

    /** The input that put RAM at {@code addr}: a --mem bank, a device-tree memory node or an e820 entry. */
    static String source(BootContext ctx, long addr) {
        if (!ctx.spec().memOverride().isEmpty()) {
            return "mem " + ctx.spec().memOverride().stream()
                .map(r -> String.format("%#x@%#x", r.size(), r.base())).reduce((a, b) -> a + "," + b).orElse("");
        }
        if (ctx.deviceTree().isPresent()) {
            DtNode root = ctx.deviceTree().get().root();
            for (DtNode n : root.children()) {
                boolean memory = n.property("device_type").map(DtProperty::string).orElse("").equals("memory");
                if (memory && n.has("reg")) {
                    for (long[] e : n.reg()) {
                        if (Long.compareUnsigned(addr - e[0], e[1]) < 0) {
                            return ctx.deviceTree().get().source() + ": " + n.path();
                        }
                    }
                }
            }
            return ctx.deviceTree().get().source();
        }
        for (E820Entry e : ctx.spec().e820()) {
            if (Long.compareUnsigned(addr, e.start()) >= 0 && Long.compareUnsigned(addr, e.end()) <= 0) {
                return "e820 " + e;
            }
        }
        return "e820 map";
    }
}
