package org.dmasim.mm.buddy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.ZoneType;

/**
 * Whole-state inspection for tests and debugging: a deterministic dump (two dumps are equal
 * exactly when the allocator states are), an invariant checker that walks every list and
 * every materialised page, and the free lists as pfns.
 */
final class BuddyAudit {
    private BuddyAudit() {
    }

    static String dump(BuddyAllocator a) {
        StringBuilder sb = new StringBuilder();
        SectionTable st = a.st;
        FreeLists lists = a.lists;
        sb.append("min_free_kbytes=").append(a.minFreeKbytes()).append(" totalreserve=")
            .append(a.totalReservePages()).append('\n');
        for (Zone z : a.zones) {
            sb.append("zone ").append(z.name()).append(" managed=").append(z.managed).append(" cma=")
                .append(z.cmaPages).append(" free=").append(z.freePages).append(" freeCma=").append(z.freeCma)
                .append(" wmark=").append(z.wmarkMin).append('/').append(z.wmarkLow).append('/').append(z.wmarkHigh)
                .append(" boost=").append(z.watermarkBoost).append(" highatomic=").append(z.nrReservedHighatomic)
                .append(" reserve=").append(java.util.Arrays.toString(z.lowmemReserve))
                .append(" nr_free=").append(java.util.Arrays.toString(z.nrFree)).append('\n');
            for (int o = 0; o < BuddyAllocator.MAX_ORDER; o++) {
                for (int mt = 0; mt < BuddyAllocator.MIGRATE_TYPES; mt++) {
                    int head = lists.head(z.index, o, mt);
                    if (lists.isEmpty(head)) {
                        continue;
                    }
                    sb.append("  list o").append(o).append(' ').append(BuddyAllocator.mtName(mt)).append(" n=")
                        .append(z.nrFreeByType[o][mt]).append(':');
                    for (int id = lists.next(head); id != head; id = lists.next(id)) {
                        if (lists.isRun(id)) {
                            sb.append(" R").append(Long.toHexString(st.sectionStartPfn(lists.runSection(id))));
                        } else {
                            sb.append(' ').append(Long.toHexString(st.pfnOf(id)));
                        }
                    }
                    sb.append('\n');
                }
            }
        }
        for (Zone z : a.zones) {
            for (PerCpuPages p : z.pcp) {
                sb.append("pcp ").append(z.name()).append(" cpu ").append(p.cpu).append(" count=").append(p.count)
                    .append(" high=").append(p.high).append(" batch=").append(p.batch).append(" ff=")
                    .append(p.freeFactor).append('\n');
                for (int i = 0; i < PerCpuPages.NR_PCP_LISTS; i++) {
                    if (p.size(i) == 0) {
                        continue;
                    }
                    sb.append("  pindex ").append(i).append(':');
                    for (int k = 0; k < p.size(i); k++) {
                        long e = p.peek(i, k);
                        sb.append(' ').append(Long.toHexString(PerCpuPages.entryPfn(e))).append('/')
                            .append(PerCpuPages.entryMt(e));
                    }
                    sb.append('\n');
                }
            }
        }
        for (int s = 0; s < st.count; s++) {
            byte kind = st.kind[s];
            if (kind == SectionTable.ABSENT || kind == SectionTable.RESERVED) {
                sb.append("sec ").append(s).append(kind == SectionTable.ABSENT ? " absent\n" : " reserved\n");
                continue;
            }
            if (kind == SectionTable.FREE_RUN) {
                sb.append("sec ").append(s).append(" run ").append(BuddyAllocator.mtName(st.runMt[s]))
                    .append(st.runDescending[s] != 0 ? " desc\n" : " asc\n");
                continue;
            }
            MemSection m = st.mem[s];
            sb.append("sec ").append(s).append(" mem pb=");
            for (byte b : m.pageblockMt) {
                sb.append(b);
            }
            sb.append(" max=").append(m.freeMaxOrderBlocks).append(" state=");
            int i = 0;
            while (i < MemSection.PAGES) {
                int j = i;
                while (j < MemSection.PAGES && m.state[j] == m.state[i]) {
                    j++;
                }
                sb.append(Integer.toHexString(m.state[i] & 0xFF)).append('x').append(j - i).append(',');
                i = j;
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static void check(BuddyAllocator a) {
        SectionTable st = a.st;
        FreeLists lists = a.lists;
        long[] freeByZone = new long[a.zones.length];
        long pageNodes = 0;
        long limit = (long) st.count * MemSection.PAGES + 16;
        for (Zone z : a.zones) {
            long listedFree = 0;
            long listedCma = 0;
            long isolated = 0;
            for (int o = 0; o < BuddyAllocator.MAX_ORDER; o++) {
                long perOrder = 0;
                for (int mt = 0; mt < BuddyAllocator.MIGRATE_TYPES; mt++) {
                    int head = lists.head(z.index, o, mt);
                    long n = 0;
                    long steps = 0;
                    int prev = head;
                    for (int id = lists.next(head); id != head; id = lists.next(id)) {
                        if (++steps > limit) {
                            fail("list %s o%d %s does not come back to its head", z.name(), o, BuddyAllocator.mtName(mt));
                        }
                        if (lists.prev(id) != prev) {
                            fail("list %s o%d %s: broken prev link at node %d", z.name(), o, BuddyAllocator.mtName(mt), id);
                        }
                        prev = id;
                        if (lists.isRun(id)) {
                            int s = lists.runSection(id);
                            if (o != BuddyAllocator.MAX_ORDER - 1 || st.kind[s] != SectionTable.FREE_RUN
                                || st.runMt[s] != mt || st.singleZone[s] != z.index) {
                                fail("run node of section %d on list %s o%d %s is inconsistent", s, z.name(), o,
                                    BuddyAllocator.mtName(mt));
                            }
                            n += MemSection.MAX_ORDER_BLOCKS;
                            continue;
                        }
                        if (id < 0) {
                            fail("list %s o%d %s contains a foreign list head", z.name(), o, BuddyAllocator.mtName(mt));
                        }
                        long pfn = st.pfnOf(id);
                        byte s = a.node.stateOf(pfn);
                        if (s != PageState.free(mt, o)) {
                            fail("pfn %#x is on list %s o%d %s but its state is %s", pfn, z.name(), o,
                                BuddyAllocator.mtName(mt), PageState.describe(s));
                        }
                        if ((pfn & ((1L << o) - 1)) != 0) {
                            fail("free block pfn %#x order %d is not naturally aligned", pfn, o);
                        }
                        if (a.node.zoneIndexOfPresent(pfn) != z.index
                            || a.node.zoneIndexOfPresent(pfn + (1L << o) - 1) != z.index) {
                            fail("free block pfn %#x order %d is not inside zone %s", pfn, o, z.name());
                        }
                        n++;
                        pageNodes++;
                    }
                    if (n != z.nrFreeByType[o][mt]) {
                        fail("zone %s o%d %s: list holds %d blocks, counter says %d", z.name(), o,
                            BuddyAllocator.mtName(mt), n, z.nrFreeByType[o][mt]);
                    }
                    perOrder += n;
                    long pages = n << o;
                    if (mt == BuddyAllocator.MT_ISOLATE) {
                        isolated += pages;
                    } else {
                        listedFree += pages;
                    }
                    if (mt == BuddyAllocator.MT_CMA) {
                        listedCma += pages;
                    }
                }
                if (perOrder != z.nrFree[o]) {
                    fail("zone %s: nr_free[%d] = %d but the lists hold %d", z.name(), o, z.nrFree[o], perOrder);
                }
            }
            if (listedFree != z.freePages) {
                fail("zone %s: NR_FREE_PAGES = %d but the lists hold %d pages", z.name(), z.freePages, listedFree);
            }
            if (listedCma != z.freeCma) {
                fail("zone %s: NR_FREE_CMA_PAGES = %d but the CMA lists hold %d pages", z.name(), z.freeCma, listedCma);
            }
            freeByZone[z.index] = listedFree + isolated;
        }

        // Per-cpu lists: every entry a PCP head of its list's order in its zone, counts exact.
        long pcpHeadsListed = 0;
        for (Zone z : a.zones) {
            for (PerCpuPages p : z.pcp) {
                long pages = 0;
                for (int i = 0; i < PerCpuPages.NR_PCP_LISTS; i++) {
                    int o = PerCpuPages.orderOf(i);
                    for (int k = 0; k < p.size(i); k++) {
                        long e = p.peek(i, k);
                        long pfn = PerCpuPages.entryPfn(e);
                        byte s = a.node.stateOf(pfn);
                        if (s != PageState.pcp(o)) {
                            fail("pfn %#x is on %s cpu %d pcp list %d (order %d) but its state is %s", pfn, z.name(),
                                p.cpu, i, o, PageState.describe(s));
                        }
                        if (a.node.zoneIndexOfPresent(pfn) != z.index) {
                            fail("pfn %#x on a pcp list of zone %s lies outside it", pfn, z.name());
                        }
                        int mt = PerCpuPages.entryMt(e);
                        if (i < PerCpuPages.NR_LOWORDER_PCP_LISTS && i % BuddyAllocator.MIGRATE_PCPTYPES
                            != (mt < BuddyAllocator.MIGRATE_PCPTYPES ? mt : BuddyAllocator.MT_MOVABLE)) {
                            fail("pfn %#x with pcppage type %s sits on pcp list %d", pfn, BuddyAllocator.mtName(mt), i);
                        }
                        pages += 1L << o;
                        pcpHeadsListed++;
                    }
                }
                if (pages != p.count) {
                    fail("zone %s cpu %d: pcp count %d but its lists hold %d pages", z.name(), p.cpu, p.count, pages);
                }
            }
        }

        long[] allocatedByZone = new long[a.zones.length];
        long[] reservedByZone = new long[a.zones.length];
        long freeHeads = 0;
        long pcpHeads = 0;
        int materialised = 0;
        for (int s = 0; s < st.count; s++) {
            long secStart = st.sectionStartPfn(s);
            byte kind = st.kind[s];
            if (kind == SectionTable.RESERVED) {
                if (st.mem[s] != null) {
                    fail("section %d is implicit but has arrays", s);
                }
                for (int i = a.node.firstPieceEndingAfter(secStart); i < a.node.memStart.length
                    && a.node.memStart[i] < secStart + MemSection.PAGES; i++) {
                    long lo = Math.max(a.node.memStart[i], secStart);
                    long hi = Math.min(a.node.memEnd[i], secStart + MemSection.PAGES);
                    reservedByZone[a.node.memZone[i]] += hi - lo;
                }
                continue;
            }
            if (kind != SectionTable.MATERIALISED) {
                continue;
            }
            materialised++;
            MemSection m = st.mem[s];
            int maxOrderFree = 0;
            int i = 0;
            while (i < MemSection.PAGES) {
                long pfn = secStart + i;
                byte state = m.state[i];
                boolean present = a.node.isPresent(pfn);
                if (state == PageState.HOLE) {
                    if (present) {
                        fail("pfn %#x is present memory but marked as a hole", pfn);
                    }
                    i++;
                    continue;
                }
                if (!present) {
                    fail("pfn %#x is a hole but its state is %s", pfn, PageState.describe(state));
                }
                int zi = a.node.zoneIndexOfPresent(pfn);
                if (state == PageState.RESERVED) {
                    reservedByZone[zi]++;
                    i++;
                    continue;
                }
                if (state == PageState.TAIL) {
                    fail("pfn %#x is a tail page outside any block", pfn);
                }
                int o = PageState.order(state);
                if (o >= BuddyAllocator.MAX_ORDER || (pfn & ((1L << o) - 1)) != 0) {
                    fail("block at pfn %#x has a bad order %d", pfn, o);
                }
                for (int k = 1; k < 1 << o; k++) {
                    if (m.state[i + k] != PageState.TAIL) {
                        fail("block %#x order %d overlaps %s at pfn %#x", pfn, o, PageState.describe(m.state[i + k]),
                            pfn + k);
                    }
                }
                if (a.node.zoneIndexOfPresent(pfn + (1L << o) - 1) != zi) {
                    fail("block %#x order %d crosses a zone boundary or a hole", pfn, o);
                }
                if (PageState.isFree(state)) {
                    freeHeads++;
                    if (o == BuddyAllocator.MAX_ORDER - 1) {
                        maxOrderFree++;
                    }
                    checkCoalesced(a, m, pfn, o, zi);
                } else {
                    if (PageState.isPcp(state)) {
                        pcpHeads++;
                    }
                    allocatedByZone[zi] += 1L << o;
                }
                i += 1 << o;
            }
            if (maxOrderFree != m.freeMaxOrderBlocks) {
                fail("section %d counts %d free order-10 blocks but holds %d", s, m.freeMaxOrderBlocks, maxOrderFree);
            }
        }
        if (materialised != st.materialised) {
            fail("materialised count %d, table says %d", materialised, st.materialised);
        }
        if (pcpHeads != pcpHeadsListed) {
            fail("%d pcp heads in the memory map, %d entries on the pcp lists", pcpHeads, pcpHeadsListed);
        }
        if (freeHeads != pageNodes) {
            fail("%d free heads in the memory map, %d page nodes on the lists", freeHeads, pageNodes);
        }
        for (Zone z : a.zones) {
            if (freeByZone[z.index] + allocatedByZone[z.index] != z.managed) {
                fail("zone %s: free %d + allocated %d != managed %d", z.name(), freeByZone[z.index],
                    allocatedByZone[z.index], z.managed);
            }
            if (reservedByZone[z.index] + z.managed != z.present) {
                fail("zone %s: reserved %d + managed %d != present %d", z.name(), reservedByZone[z.index], z.managed,
                    z.present);
            }
        }
    }

    /** A free block's buddy may only be free at the same order when the pageblock rule forbids the merge. */
    private static void checkCoalesced(BuddyAllocator a, MemSection m, long pfn, int o, int zi) {
        if (o >= BuddyAllocator.MAX_ORDER - 1) {
            return;
        }
        long buddy = pfn ^ (1L << o);
        byte bs = m.state[a.node.off(buddy)];
        if (!PageState.isFree(bs) || PageState.order(bs) != o || a.node.zoneIndexOfPresent(buddy) != zi) {
            return;
        }
        if (o >= BuddyAllocator.PAGEBLOCK_ORDER) {
            int mt = a.node.pageblockMt(pfn);
            int bmt = a.node.pageblockMt(buddy);
            if (mt != bmt && (!Node.mergeable(mt) || !Node.mergeable(bmt))) {
                return;
            }
        }
        fail("free buddies %#x and %#x (order %d) were not merged", Math.min(pfn, buddy), Math.max(pfn, buddy), o);
    }

    private static void fail(String fmt, Object... args) {
        throw new IllegalStateException("buddy invariant: " + String.format(fmt, args));
    }

    /** The pfns on one free list, head first (a run node expands to its 32 blocks). */
    static List<Long> freeListPfns(Node node, ZoneType type, int order, MigrateType mt) {
        FreeLists lists = node.lists;
        SectionTable st = node.st;
        List<Long> out = new ArrayList<>();
        int zi = node.typeIndex(type);
        if (zi < 0) {
            return out;
        }
        int head = lists.head(zi, order, mt.ordinal());
        for (int id = lists.next(head); id != head; id = lists.next(id)) {
            if (lists.isRun(id)) {
                int s = lists.runSection(id);
                long base = st.sectionStartPfn(s);
                for (int i = 0; i < MemSection.MAX_ORDER_BLOCKS; i++) {
                    int b = st.runDescending[s] != 0 ? MemSection.MAX_ORDER_BLOCKS - 1 - i : i;
                    out.add(base + (long) b * BuddyAllocator.MAX_BLOCK);
                }
            } else {
                out.add(st.pfnOf(id));
            }
        }
        return out;
    }

    /** Every free block as "pfn/order" strings in pfn order: the shape of free memory, list order aside. */
    static List<String> freeBlockSet(Node node) {
        List<long[]> blocks = new ArrayList<>();
        for (Zone z : node.zones) {
            for (int o = 0; o < BuddyAllocator.MAX_ORDER; o++) {
                for (MigrateType mt : MigrateType.values()) {
                    for (long pfn : freeListPfns(node, z.type, o, mt)) {
                        blocks.add(new long[] {pfn, o});
                    }
                }
            }
        }
        blocks.sort(Comparator.comparingLong(b -> b[0]));
        List<String> out = new ArrayList<>(blocks.size());
        for (long[] b : blocks) {
            out.add(Long.toHexString(b[0]) + "/" + b[1]);
        }
        return out;
    }
}
