package org.dmasim.mm.buddy;

import java.util.HashMap;
import java.util.Map;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MigrationStats;
import org.dmasim.api.mm.MovablePageOwner;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * Page migration ({@code mm/migrate.c}, 6.1) as {@code alloc_contig_range} drives it, for the
 * blocks that can move: movable allocations whose owner registered a {@link MovablePageOwner}
 * (the simulator's stand-in for the rmap walk that finds and rewrites a page's mappings).
 *
 * <p>One migration ({@code migrate_pages} → {@code unmap_and_move} of one block): a target block
 * of the same order is allocated outside the isolated range with
 * {@code alloc_migration_target}'s {@code GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL},
 * without direct reclaim; the contents are copied through the attached RAM; the owner is told
 * the new pfn; the old block is freed onto its (isolated) pageblock's list. The counters are
 * those {@code mm:vmstat} shows: pgmigrate_success (blocks and pages), bytes copied, failures and
 * the time spent.
 *
 * <p>Data: owners by head pfn in a hash map. Every method runs under the zone lock.
 */
final class Migration {
    private static final long NO_PAGE = PageAllocator.NO_PAGE;

    private final Node node;
    private final Zone[] zones;
    private final PageAlloc pageAlloc;
    private final WarnAlloc warn;
    /** Where migration targets come from: the highest zone {@code GFP_USER | __GFP_MOVABLE} may use. */
    private final int targetZone;
    private final Map<Long, MovablePageOwner> owners = new HashMap<>();
    private long blocks;
    private long pages;
    private long bytes;
    private long failures;
    private long nanos;

    Migration(Node node, PageAlloc pageAlloc, WarnAlloc warn) {
        this.node = node;
        this.zones = node.zones;
        this.pageAlloc = pageAlloc;
        this.warn = warn;
        boolean hasDma = node.typeIndex(ZoneType.DMA) >= 0;
        boolean hasDma32 = node.typeIndex(ZoneType.DMA32) >= 0;
        this.targetZone = node.zoneIndexAtMost(Gfp.zone(Gfp.GFP_USER | Gfp.__GFP_MOVABLE, hasDma, hasDma32));
    }

    /** A movable block at pfn now belongs to {@code owner}. */
    void register(long pfn, MovablePageOwner owner) {
        owners.put(pfn, owner);
    }

    /** The block at pfn was freed: it has no owner any more. */
    void forget(long pfn) {
        owners.remove(pfn);
    }

    /** The registered owner of the movable block at pfn, or null. */
    MovablePageOwner ownerOf(long pfn) {
        return owners.get(pfn);
    }

    /**
     * Migrates the owned block (pfn, order) out of the isolated range [isoStart, isoEnd). False
     * when no target was found (warned as the kernel's allocation failure).
     */
    boolean migrateBlock(Zone z, long pfn, int order, long isoStart, long isoEnd) {
        long t0 = System.nanoTime();
        MovablePageOwner who = owners.get(pfn);
        int gfp = Gfp.GFP_USER | Gfp.__GFP_MOVABLE | Gfp.__GFP_RETRY_MAYFAIL;
        int aflags = PageState.A_MOVABLE | PageState.A_OWNED
            | (PageState.allocFlags(node.stateOf(pfn)) & PageState.A_ZERO);
        long target = pageAlloc.alloc(gfp & ~Gfp.__GFP_DIRECT_RECLAIM, order, targetZone, aflags);
        if (target == NO_PAGE) {
            warn.allocFailure(gfp, order);
            nanos += System.nanoTime() - t0;
            return false;
        }
        if (target + (1L << order) > isoStart && target < isoEnd) {
            // Only possible when another thread freed a range page to a pcp list in the window
            // between its pageblock check and the isolation: give it back and report busy.
            node.freeOneBlock(zones[node.zoneIndexOfPresent(target)], target, order, node.pageblockMt(target), false);
            nanos += System.nanoTime() - t0;
            return false;
        }
        PhysMemory mem = node.memory;
        long size = Page.PAGE_SIZE << order;
        if (mem != null) {
            mem.copy(Page.pfnPhys(target), Page.pfnPhys(pfn), size);
            bytes += size;
        }
        owners.remove(pfn);
        owners.put(target, who);
        who.migrated(pfn, target, order);
        // The old block goes back onto its (isolated) pageblock's free list.
        node.freeOneBlock(zones[node.zoneIndexOfPresent(pfn)], pfn, order, node.pageblockMt(pfn), false);
        blocks++;
        pages += 1L << order;
        nanos += System.nanoTime() - t0;
        return true;
    }

    /** An alloc_contig_range call failed. */
    void failed() {
        failures++;
    }

    MigrationStats stats() {
        return new MigrationStats(blocks, pages, bytes, failures, nanos);
    }
}
