package org.dmasim.mm.buddy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dmasim.api.dto.ZoneDTO;

/**
 * The /proc views of {@code mm/vmstat.c} (6.1), with the kernel's printf formats: buddyinfo and
 * pagetypeinfo over populated zones, zoneinfo over every zone (unpopulated ones stop after the
 * protection line), and the same per-zone numbers as {@link ZoneDTO}s for the shell.
 */
final class Vmstat {
    /** pagetypeinfo stops walking a free list at this many entries and prints {@code >100000}. */
    static final long FREECOUNT_CAP = 100000;

    /** 6.1 {@code node_stat_item} names (CONFIG_SWAP, CONFIG_NUMA_BALANCING on, no shadow call stack). */
    static final String[] NODE_STATS = {
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file",
        "workingset_nodes", "workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon",
        "workingset_activate_file", "workingset_restore_anon", "workingset_restore_file",
        "workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
        "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped", "nr_file_hugepages",
        "nr_file_pmdmapped", "nr_anon_transparent_hugepages", "nr_vmscan_write", "nr_vmscan_immediate_reclaim",
        "nr_dirtied", "nr_written", "nr_throttled_written", "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired",
        "nr_foll_pin_released", "nr_kernel_stack", "nr_page_table_pages", "nr_sec_page_table_pages",
        "nr_swapcached", "pgpromote_success", "pgpromote_candidate",
    };

    private Vmstat() {
    }

    /** The migratetypes this build has, in pagetypeinfo order (no CMA without CONFIG_CMA). */
    static int[] migratetypes(Node a) {
        return a.options.cmaConfigured() ? new int[] {0, 1, 2, 3, 4, 5} : new int[] {0, 1, 2, 3, 5};
    }

    static String buddyinfo(Node a) {
        StringBuilder sb = new StringBuilder();
        for (Zone z : a.zones) {
            if (!z.populated()) {
                continue;
            }
            sb.append(String.format("Node %d, zone %8s ", a.options.nodeId(), z.name()));
            for (int o = 0; o < BuddyAllocator.MAX_ORDER; o++) {
                sb.append(String.format("%6d ", z.nrFree[o]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String pagetypeinfo(Node a) {
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        for (Zone z : a.zones) {
            any |= z.populated();
        }
        if (!any) {
            return "";
        }
        int node = a.options.nodeId();
        int[] types = migratetypes(a);
        sb.append(String.format("Page block order: %d\n", BuddyAllocator.PAGEBLOCK_ORDER));
        sb.append(String.format("Pages per block:  %d\n", BuddyAllocator.PAGEBLOCK_NR_PAGES));
        sb.append('\n');
        sb.append(String.format("%-43s ", "Free pages count per migrate type at order"));
        for (int o = 0; o < BuddyAllocator.MAX_ORDER; o++) {
            sb.append(String.format("%6d ", o));
        }
        sb.append('\n');
        for (Zone z : a.zones) {
            if (!z.populated()) {
                continue;
            }
            for (int mt : types) {
                sb.append(String.format("Node %4d, zone %8s, type %12s ", node, z.name(), BuddyAllocator.mtName(mt)));
                for (int o = 0; o < BuddyAllocator.MAX_ORDER; o++) {
                    long n = z.nrFreeByType[o][mt];
                    if (n >= FREECOUNT_CAP) {
                        sb.append(String.format(">%6d ", FREECOUNT_CAP));
                    } else {
                        sb.append(String.format("%6d ", n));
                    }
                }
                sb.append('\n');
            }
        }
        sb.append(String.format("\n%-23s", "Number of blocks type "));
        for (int mt : types) {
            sb.append(String.format("%12s ", BuddyAllocator.mtName(mt)));
        }
        sb.append('\n');
        for (Zone z : a.zones) {
            if (!z.populated()) {
                continue;
            }
            long[] count = blockCounts(a, z);
            sb.append(String.format("Node %d, zone %8s ", node, z.name()));
            for (int mt : types) {
                sb.append(String.format("%12d ", count[mt]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code pagetypeinfo_showblockcount_print()}: step through the zone from zone_start_pfn in
     * pageblock strides, skipping offline sections and pages that memmap_init gave another zone.
     */
    static long[] blockCounts(Node a, Zone z) {
        long[] count = new long[BuddyAllocator.MIGRATE_TYPES];
        SectionTable st = a.st;
        long pfn = z.startPfn;
        long end = z.endPfn();
        while (pfn < end) {
            int s = st.sectionOf(pfn);
            long secStart = st.sectionStartPfn(s);
            if (st.kind[s] == SectionTable.ABSENT) {
                pfn = skipTo(pfn, secStart + MemSection.PAGES);
                continue;
            }
            if (pfn == secStart && st.kind[s] == SectionTable.FREE_RUN && st.singleZone[s] == z.index
                && secStart + MemSection.PAGES <= end) {
                count[st.runMt[s]] += MemSection.PAGEBLOCKS;
                pfn += MemSection.PAGES;
                continue;
            }
            if (a.pageZoneIndex(pfn) == z.index) {
                count[a.pageblockMt(pfn)]++;
            }
            pfn += BuddyAllocator.PAGEBLOCK_NR_PAGES;
        }
        return count;
    }

    /** The first pfn of the pageblock stride starting at {@code pfn} that is >= {@code target}. */
    private static long skipTo(long pfn, long target) {
        long step = BuddyAllocator.PAGEBLOCK_NR_PAGES;
        long n = (target - pfn + step - 1) / step;
        return pfn + n * step;
    }

    /** The per-cpu numa_hit events of a zone's pagesets (folded into the zone's sum, as vmstat does). */
    private static long pcpNumaHits(Zone z) {
        long n = 0;
        for (PerCpuPages p : z.pcp) {
            n += p.numaHit;
        }
        return n;
    }

    static String zoneinfo(Node a) {
        StringBuilder sb = new StringBuilder();
        int node = a.options.nodeId();
        int firstPopulated = -1;
        for (Zone z : a.zones) {
            if (z.populated()) {
                firstPopulated = z.index;
                break;
            }
        }
        int cpus = a.options.nrCpus();
        for (Zone z : a.zones) {
            sb.append(String.format("Node %d, zone %8s", node, z.name()));
            if (z.index == firstPopulated) {
                sb.append("\n  per-node stats");
                for (String stat : NODE_STATS) {
                    sb.append(String.format("\n      %-12s %d", stat, 0));
                }
            }
            sb.append(String.format("\n  pages free     %d", z.freePages));
            sb.append(String.format("\n        boost    %d", z.watermarkBoost));
            sb.append(String.format("\n        min      %d", z.wmark(0)));
            sb.append(String.format("\n        low      %d", z.wmark(1)));
            sb.append(String.format("\n        high     %d", z.wmark(2)));
            sb.append(String.format("\n        spanned  %d", z.spanned));
            sb.append(String.format("\n        present  %d", z.present));
            sb.append(String.format("\n        managed  %d", z.managed));
            sb.append(String.format("\n        cma      %d", a.options.cmaConfigured() ? z.cmaPages : 0));
            sb.append(String.format("\n        protection: (%d", z.lowmemReserve[0]));
            for (int i = 1; i < z.lowmemReserve.length; i++) {
                sb.append(String.format(", %d", z.lowmemReserve[i]));
            }
            sb.append(')');
            if (!z.populated()) {
                sb.append('\n');
                continue;
            }
            String[] zoneStats = {"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
                "nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending",
                "nr_mlock", "nr_bounce", "nr_zspages", "nr_free_cma"};
            for (String stat : zoneStats) {
                long v = switch (stat) {
                    case "nr_free_pages" -> z.freePages;
                    case "nr_free_cma" -> z.freeCma;
                    default -> 0;
                };
                sb.append(String.format("\n      %-12s %d", stat, v));
            }
            if (a.options.numa()) {
                String[] numa = {"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
                    "numa_other"};
                for (String stat : numa) {
                    long v = switch (stat) {
                        case "numa_hit" -> z.numaHit + pcpNumaHits(z);
                        case "numa_local" -> z.numaLocal + pcpNumaHits(z);
                        default -> 0;
                    };
                    sb.append(String.format("\n      %-12s %d", stat, v));
                }
            }
            sb.append("\n  pagesets");
            for (int cpu = 0; cpu < cpus; cpu++) {
                PerCpuPages p = z.pcp[cpu];
                sb.append(String.format("\n    cpu: %d", cpu));
                sb.append(String.format("\n              count: %d", p.count));
                sb.append(String.format("\n              high:  %d", p.high));
                sb.append(String.format("\n              batch: %d", p.batch));
                sb.append(String.format("\n  vm stats threshold: %d", Watermarks.statThreshold(z, cpus)));
            }
            sb.append(String.format("\n  node_unreclaimable:  %d", 0));
            sb.append(String.format("\n  start_pfn:           %d", z.startPfn));
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Every zone's spans, counters, watermarks, reserves and free-block counts. */
    static List<ZoneDTO> zones(Node a) {
        List<ZoneDTO> out = new ArrayList<>();
        for (Zone z : a.zones) {
            ZoneDTO d = new ZoneDTO();
            d.node = a.options.nodeId();
            d.name = z.name();
            d.startPfn = z.startPfn;
            d.spanned = z.spanned;
            d.present = z.present;
            d.managed = z.managed;
            d.cma = z.cmaPages;
            d.free = z.freePages;
            d.freeCma = z.freeCma;
            d.min = z.wmark(0);
            d.low = z.wmark(1);
            d.high = z.wmark(2);
            d.protection = z.lowmemReserve.clone();
            d.freeBlocks = z.nrFree.clone();
            out.add(d);
        }
        return Collections.unmodifiableList(out);
    }
}
