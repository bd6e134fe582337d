package org.dmasim.mm.buddy;

import org.dmasim.api.mm.Page;

/**
 * The {@code /proc/meminfo} lines the page allocator owns ({@code fs/proc/meminfo.c}, 6.1), in
 * the kernel's order and format ({@code show_val_kb}: the label padded to 16 columns, the kB
 * value right-aligned in 8): MemTotal (totalram_pages), MemFree (NR_FREE_PAGES: pcp pages are
 * not free there), and with CONFIG_CMA CmaTotal (the pages handed over as CMA pageblocks) and
 * CmaFree.
 */
final class Meminfo {
    private Meminfo() {
    }

    static String render(Node node) {
        long total = 0;
        long free = 0;
        long cmaTotal = 0;
        long cmaFree = 0;
        for (Zone z : node.zones) {
            total += z.managed;
            free += z.freePages;
            cmaTotal += z.cmaPages;
            cmaFree += z.freeCma;
        }
        StringBuilder sb = new StringBuilder();
        showValKb(sb, "MemTotal:", total);
        showValKb(sb, "MemFree:", free);
        if (node.options.cmaConfigured()) {
            showValKb(sb, "CmaTotal:", cmaTotal);
            showValKb(sb, "CmaFree:", cmaFree);
        }
        return sb.toString();
    }

    private static void showValKb(StringBuilder sb, String label, long pages) {
        sb.append(String.format("%-16s%8d kB\n", label, pages << (Page.PAGE_SHIFT - 10)));
    }
}
