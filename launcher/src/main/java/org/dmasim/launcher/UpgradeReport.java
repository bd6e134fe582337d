package org.dmasim.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * What moving a board from one kernel to another changes for its DMA memory, from two platforms
 * booted from the same inputs: the key boot lines of both as a unified diff, then the
 * consequences in plain words, each with the lines that show it.
 *
 * <p>A consequence compares what the two boots built, not their text: the zones' spans, every
 * CMA area by name, the swiotlb pool, every atomic pool by its GFP, then what drivers meet at
 * run time (the dma_pool algorithm, {@code dma_get_cache_alignment()}, kmalloc's alignment, {@code GFP_ATOMIC}, and
 * every device's {@code dma_set_mask} answers for 24- to 63-bit masks). Changed key lines that no
 * such consequence explains are format or information only, and are listed as such. A CMA
 * area, swiotlb or atomic pool that is lost or shrinks is a loss ({@link #lossy()}).
 */
final class UpgradeReport {
    static final int FIRST_MASK_BITS = 24;
    static final int LAST_MASK_BITS = 63;

    /** One consequence: the sentence, the diff lines that show it ('-' old, '+' new, ' ' both), whether memory is lost. */
    record Consequence(String text, List<String> lines, boolean loss) {
    }

    /** What one booted platform built, as far as the report compares it. */
    record Facts(String kernel, List<String> keyLines, Map<String, ZoneDTO> zones, Optional<ZoneLimits> limits,
        Map<String, CmaArea> cma, Optional<String> defaultCma, Optional<SwiotlbPool> swiotlb, Map<String, Long> pools,
        Optional<String> dmapool, Optional<Integer> cacheAlignment, Optional<Integer> kmallocAlign,
        Optional<MmRules> mm, Map<String, Set<Integer>> supportedMaskBits, Map<String, String> kconfig) {

        static Facts of(Platform p) {
            Map<String, ZoneDTO> zones = new LinkedHashMap<>();
            p.lookup(PageAllocator.class).ifPresent(a -> a.zones().forEach(z -> zones.put(z.name, z)));
            Map<String, CmaArea> cma = new LinkedHashMap<>();
            Optional<CmaAreas> areas = p.lookup(CmaAreas.class);
            areas.ifPresent(a -> a.areas().forEach(x -> cma.put(x.name(), x)));
            Map<String, Long> pools = new LinkedHashMap<>();
            Optional<MmRules> mm = p.lookup(MmRules.class);
            p.lookup(AtomicPools.class).ifPresent(a -> a.pools().forEach(pool -> pools.put(
                mm.map(r -> r.formatGfp(pool.gfp())).orElse(pool.name()), pool.size())));
            Map<String, Set<Integer>> masks = new LinkedHashMap<>();
            p.lookup(DmaApi.class).ifPresent(api -> {
                for (DmaDevice d : api.devices()) {
                    Set<Integer> bits = new TreeSet<>();
                    for (int b = FIRST_MASK_BITS; b <= LAST_MASK_BITS; b++) {
                        if (api.supported(d, (1L << b) - 1)) {
                            bits.add(b);
                        }
                    }
                    masks.put(d.name(), bits);
                }
            });
            return new Facts(p.spec().kernel().toString(), p.bootLog().keyLines(), zones, p.lookup(ZoneLimits.class), cma,
                areas.flatMap(CmaAreas::defaultArea).map(CmaArea::name), p.lookup(SwiotlbPool.class).filter(s -> s.nslabs() > 0),
                pools, p.lookup(DmaPools.class).map(DmaPools::backendVersion),
                p.lookup(ArchDma.class).map(ArchDma::cacheAlignment), p.lookup(Kmalloc.class).map(Kmalloc::minAlign), mm,
                masks, p.spec().kconfig().values());
        }

        String linux() {
            return "Linux " + kernel;
        }
    }

    private final Facts from;
    private final Facts to;
    private final List<UnifiedDiff.Edit> edits;
    private final List<Consequence> consequences = new ArrayList<>();
    /** Diff lines a consequence has already explained. */
    private final Set<String> cited = new LinkedHashSet<>();

    private UpgradeReport(Facts from, Facts to) {
        this.from = from;
        this.to = to;
        this.edits = UnifiedDiff.edits(from.keyLines(), to.keyLines());
    }

    static UpgradeReport of(Facts from, Facts to) {
        UpgradeReport r = new UpgradeReport(from, to);
        r.zones();
        r.cma();
        r.swiotlb();
        r.atomicPools();
        r.runTime();
        r.totalPages();
        r.formatOnly();
        return r;
    }

    List<Consequence> consequences() {
        return List.copyOf(consequences);
    }

    /** Whether a CMA area, the swiotlb or an atomic pool is lost or shrinks. */
    boolean lossy() {
        return consequences.stream().anyMatch(Consequence::loss);
    }

    /** The report as the {@code upgrade} command prints it. */
    String render(String platform) {
        StringBuilder b = new StringBuilder();
        b.append("dmasim upgrade ").append(platform).append(": ").append(from.linux()).append(" -> ").append(to.linux())
            .append(", the same inputs booted under both\n\n");
        List<String> diff = UnifiedDiff.render(from.keyLines(), to.keyLines(), from.linux() + " (key boot lines)",
            to.linux() + " (key boot lines)");
        if (diff.isEmpty()) {
            b.append("The key boot lines are the same.\n");
        }
        diff.forEach(l -> b.append(l).append('\n'));
        b.append('\n').append("What changes:\n");
        int n = 1;
        for (Consequence c : consequences) {
            b.append(String.format("%3d. %s%n", n++, c.text()));
            for (String l : c.lines()) {
                b.append("       ").append(l).append('\n');
            }
        }
        if (consequences.isEmpty()) {
            b.append("  nothing\n");
        }
        List<String> lost = consequences.stream().filter(Consequence::loss).map(c -> c.text().split(":")[0]).distinct()
            .toList();
        b.append('\n').append("Memory for DMA lost or shrunk: ").append(lost.isEmpty() ? "none" : String.join(", ", lost))
            .append('\n');
        return b.toString();
    }

    private void add(String text, boolean loss, List<String> lines) {
        consequences.add(new Consequence(text, List.copyOf(lines), loss));
        cited.addAll(lines);
    }

    /** The changed key lines (as '-'/'+' diff lines) that satisfy {@code which}. */
    private List<String> changed(Predicate<String> which) {
        List<String> out = new ArrayList<>();
        for (UnifiedDiff.Edit e : edits) {
            if (e.op() != ' ' && which.test(e.line())) {
                out.add(e.toString());
            }
        }
        return out;
    }

    /** The keys of both maps, the old one's first. */
    private static Set<String> union(Map<String, ?> a, Map<String, ?> b) {
        Set<String> out = new LinkedHashSet<>(a.keySet());
        out.addAll(b.keySet());
        return out;
    }

    private static String mib(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    private static String span(ZoneDTO z) {
        return z == null || z.spanned == 0 ? "empty" : String.format("[mem %#018x-%#018x]", Page.pfnPhys(z.startPfn),
            Page.pfnPhys(z.startPfn + z.spanned) - 1);
    }

    private void zones() {
        for (String name : union(from.zones(), to.zones())) {
            ZoneDTO a = from.zones().get(name);
            ZoneDTO b = to.zones().get(name);
            if (span(a).equals(span(b)) || a == null && b != null && b.spanned == 0) {
                continue;
            }
            String text = "ZONE_" + name.toUpperCase() + ": " + span(a) + " -> " + span(b);
            if (name.equals("DMA")) {
                text += dmaLimitReason();
            }
            if (name.equals("DMA") && b != null && b.spanned == 0) {
                text += "; GFP_DMA allocations find no memory";
            }
            String label = String.format("  %-8s ", name);
            add(text, false, changed(l -> l.startsWith(label)));
        }
    }

    /** Why ZONE_DMA moved: where each kernel ends it, when that differs. */
    private String dmaLimitReason() {
        if (from.limits().isEmpty() || to.limits().isEmpty()) {
            return "";
        }
        long a = from.limits().get().dmaPhysLimit();
        long b = to.limits().get().dmaPhysLimit();
        if (a == b) {
            return "";
        }
        String exact = to.limits().get().zoneDmaLimit() == b - 1 || b == Page.pfnPhys(Optional.ofNullable(
            to.zones().get("DMA")).map(z -> z.startPfn).orElse(0L)) ? " at the device tree's DMA limit" : "";
        return String.format(" (%s ends ZONE_DMA%s, %#x; %s ended it at %#x)", to.linux(), exact,
            to.limits().get().zoneDmaLimit(), from.linux(), a - 1);
    }

    /** Whether RAM ends above the DMA zone ({@code max_pfn > PFN_DOWN(arm64_dma_phys_limit)}). */
    private static boolean beyondDmaLimit(Facts f) {
        return f.limits().map(l -> Long.compareUnsigned(Page.pfnPhys(l.maxZonePfn(org.dmasim.api.mm.ZoneType.NORMAL)),
            l.dmaPhysLimit()) > 0).orElse(false);
    }

    private String dmaLimit(Facts f) {
        return f.limits().map(l -> String.format("%#x", l.contiguousLimit() - 1)).orElse("?");
    }

    private void cma() {
        for (String name : union(from.cma(), to.cma())) {
            CmaArea a = from.cma().get(name);
            CmaArea b = to.cma().get(name);
            long sizeA = a == null ? 0 : a.count() << Page.PAGE_SHIFT;
            long sizeB = b == null ? 0 : b.count() << Page.PAGE_SHIFT;
            boolean dflt = name.equals(from.defaultCma().orElse("")) || name.equals(to.defaultCma().orElse(""));
            String what = dflt ? "the default area" : "area " + name;
            if (sizeA > 0 && sizeB == 0) {
                boolean failed = !changed(l -> l.startsWith("cma: Failed to reserve")).isEmpty();
                boolean inactive = !changed(l -> l.equals("cma: CMA area " + name + " could not be activated")).isEmpty();
                String why = failed ? String.format("%s requires CMA below the DMA limit %s; none fits",
                    to.linux(), dmaLimit(to))
                    : inactive ? String.format("reserved, but it straddles a zone boundary, ZONE_DMA ending at %s in %s,"
                        + " so it cannot be activated and its pages go to the buddy allocator", dmaLimit(to), to.linux())
                    : "not reserved";
                List<String> lines = changed(l -> l.startsWith("cma: ") || l.contains("created CMA memory pool"));
                add(String.format("CMA: %s lost (%s, was at %#x; %s)", mib(sizeA), what,
                    Page.pfnPhys(a.basePfn()), why), true, lines);
            } else if (sizeA == 0 && sizeB > 0) {
                add(String.format("CMA: %s added (%s at %#x)", mib(sizeB), what, Page.pfnPhys(b.basePfn())), false,
                    changed(l -> l.startsWith("cma: ") || l.contains("CMA memory pool")));
            } else if (sizeA > 0 && (sizeA != sizeB || a.basePfn() != b.basePfn())) {
                String text = sizeA != sizeB
                    ? String.format("CMA: %s shrinks from %s to %s", what, mib(sizeA), mib(sizeB))
                    : String.format("CMA: %s (%s) moves from %#x to %#x", what, mib(sizeA), Page.pfnPhys(a.basePfn()),
                        Page.pfnPhys(b.basePfn()));
                add(text, sizeB < sizeA, changed(l -> l.startsWith("cma: ") || l.contains("CMA memory pool")));
            }
        }
    }

    private void swiotlb() {
        long a = from.swiotlb().map(s -> s.end() - s.start()).orElse(0L);
        long b = to.swiotlb().map(s -> s.end() - s.start()).orElse(0L);
        Predicate<String> tlb = l -> l.startsWith("software IO TLB: ");
        if (a == 0 && b == 0) {
            if (!changed(tlb).isEmpty()) {
                add("swiotlb: none in either kernel", false, changed(tlb));
            }
            return;
        }
        boolean kmalloc = to.keyLines().stream().anyMatch(l -> l.contains("bounce buffer size adjusted to"));
        String sized = kmalloc ? String.format(" (%s on arm64 sets one up for bouncing small kmalloc buffers of"
            + " non-coherent devices, 1 MiB per GiB of RAM, when no RAM lies beyond the DMA limit)", to.linux())
            : beyondDmaLimit(to) && !beyondDmaLimit(from) ? String.format(" (RAM now reaches beyond the DMA limit %s:"
                + " devices limited to ZONE_DMA bounce through it)", dmaLimit(to)) : "";
        if (a == 0) {
            add(String.format("swiotlb: %s added at [mem %#x-%#x]%s", mib(b), to.swiotlb().get().start(),
                to.swiotlb().get().end(), sized), false, changed(tlb));
        } else if (b == 0) {
            List<String> failed = changed(l -> l.contains("Failed to allocate"));
            String why = failed.isEmpty() ? "" : String.format(" (no room below the DMA limit %s: every size from %s"
                + " down to 1 MiB failed)", dmaLimit(to), mib(a));
            add(String.format("swiotlb: %s lost%s; devices that cannot reach all RAM have no bounce buffer", mib(a),
                why), true, changed(tlb));
        } else if (a != b) {
            add(String.format("swiotlb: %s %s to %s%s", b < a ? "shrinks from" : "grows from", mib(a), mib(b),
                b < a ? sized : ""), b < a, changed(tlb));
        } else if (from.swiotlb().get().start() != to.swiotlb().get().start()) {
            add(String.format("swiotlb: %s moves from %#x to %#x", mib(a), from.swiotlb().get().start(),
                to.swiotlb().get().start()), false, changed(tlb));
        }
    }

    private void atomicPools() {
        for (String gfp : union(from.pools(), to.pools())) {
            long a = from.pools().getOrDefault(gfp, 0L);
            long b = to.pools().getOrDefault(gfp, 0L);
            Predicate<String> line = l -> l.startsWith("DMA: ") && l.contains(" " + gfp + " pool");
            if (a > 0 && b == 0) {
                boolean noDma = gfp.endsWith("GFP_DMA") && Optional.ofNullable(to.zones().get("DMA"))
                    .map(z -> z.managed == 0).orElse(true);
                add(String.format("atomic pool %s: %s lost%s", gfp, mib(a), noDma ? " (ZONE_DMA has no managed pages):"
                    + " coherent allocations that cannot sleep and need ZONE_DMA fail" : ""), true, changed(line));
            } else if (a != b) {
                add(String.format("atomic pool %s: %s -> %s", gfp, a == 0 ? "none" : mib(a), mib(b)), b < a,
                    changed(line));
            }
        }
    }

    private void totalPages() {
        List<String> lines = changed(l -> l.startsWith("Built ") && l.contains("Total pages"));
        if (lines.size() == 2) {
            add(String.format("Total pages: counted differently (%s: the zones' present pages; %s: present pages"
                + " minus the memmap estimate), the memory is the same", to.linux(), from.linux()), false, lines);
        } else if (!lines.isEmpty()) {
            add("Total pages: changed", false, lines);
        }
    }

    /** Changed key lines no consequence explained: the same line in another format, or new information. */
    private void formatOnly() {
        List<String> rest = new ArrayList<>();
        for (UnifiedDiff.Edit e : edits) {
            if (e.op() != ' ' && !cited.contains(e.toString())) {
                rest.add(e.toString());
            }
        }
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        for (String l : rest) {
            byKind.computeIfAbsent(kind(l.substring(1)), k -> new ArrayList<>()).add(l);
        }
        byKind.forEach((kind, lines) -> add(kind, false, lines));
    }

    private static String kind(String line) {
        if (line.startsWith("iommu: ")) {
            return "IOMMU lines: the same defaults; only the trailing space differs (format only)";
        }
        if (line.startsWith("cma: ")) {
            return "CMA lines: the same areas; only the format differs, the node is named (format only)";
        }
        if (line.startsWith("  Device ")) {
            return "Zone ranges: ZONE_DEVICE is configured and listed, empty (information only)";
        }
        if (line.startsWith("OF: reserved mem: ") || line.startsWith("Reserved memory: ")) {
            return "Reserved memory: the same regions, set up in another order or announced differently"
                + " (information only)";
        }
        return "Other lines (information only)";
    }

    /** Why a narrower mask now passes dma_direct_supported(): ZONE_DMA's new limit. */
    private String dmaZoneNote() {
        return to.limits().map(l -> String.format(": %s compares masks with ZONE_DMA's exact limit %#x",
            to.linux(), l.zoneDmaLimit())).orElse("");
    }

    /** What drivers meet at run time, which no boot line shows. */
    private void runTime() {
        List<String> none = List.of("(run time: no boot line shows it)");
        if (from.dmapool().isPresent() && to.dmapool().isPresent() && !from.dmapool().equals(to.dmapool())) {
            boolean to64 = to.dmapool().get().equals("6.4");
            add(String.format("dma_pool: %s uses the %s allocator instead of %s's", to.linux(), to.dmapool().get(),
                from.dmapool().get()) + (to64 ? ": 64 blocks of 64 B per 4 KiB page instead of 63, 256 of 16 B instead"
                    + " of 255, two 2048-byte blocks per page instead of one, blocks of at least 16 B, a block may end"
                    + " exactly on its boundary, freed blocks come back last-freed-first across pages, exact sysfs"
                    + " counters" : ""), false, none);
        }
        if (from.cacheAlignment().isPresent() && to.cacheAlignment().isPresent()
            && !from.cacheAlignment().equals(to.cacheAlignment())) {
            add(String.format("dma_get_cache_alignment(): %d -> %d bytes", from.cacheAlignment().get(),
                to.cacheAlignment().get()), false, none);
        }
        if (from.kmallocAlign().isPresent() && to.kmallocAlign().isPresent()
            && !from.kmallocAlign().equals(to.kmallocAlign())) {
            int after = to.kmallocAlign().get();
            boolean bounced = to.cacheAlignment().map(a -> after < a).orElse(false);
            add(String.format("kmalloc: objects aligned to %d bytes instead of %d%s", after, from.kmallocAlign().get(),
                bounced ? " (" + to.linux() + " bounces the smaller buffers of non-coherent devices through the swiotlb"
                    + " instead of keeping them off shared cache lines)" : ""), false, none);
        }
        if (from.mm().isPresent() && to.mm().isPresent() && from.mm().get().gfpAtomic() != to.mm().get().gfpAtomic()) {
            add(String.format("GFP_ATOMIC: %#x -> %#x (%s has no __GFP_ATOMIC bit)", from.mm().get().gfpAtomic(),
                to.mm().get().gfpAtomic(), to.linux()), false, none);
        }
        for (Map.Entry<String, Set<Integer>> e : from.supportedMaskBits().entrySet()) {
            Set<Integer> after = to.supportedMaskBits().get(e.getKey());
            if (after == null || after.equals(e.getValue())) {
                continue;
            }
            // runs of consecutive mask widths whose answer changed the same way
            int bits = FIRST_MASK_BITS;
            while (bits <= LAST_MASK_BITS) {
                boolean was = e.getValue().contains(bits);
                boolean now = after.contains(bits);
                int last = bits;
                while (last + 1 <= LAST_MASK_BITS && e.getValue().contains(last + 1) == was
                    && after.contains(last + 1) == now) {
                    last++;
                }
                if (was != now) {
                    String masks = last == bits ? String.format("dma_set_mask(%#x)", (1L << bits) - 1)
                        : String.format("dma_set_mask(%#x) to dma_set_mask(%#x)", (1L << bits) - 1, (1L << last) - 1);
                    add(String.format("device %s: %s %s (was %s)%s", e.getKey(), masks, now ? "succeeds" : "fails, -EIO",
                        was ? "0" : "-EIO", now ? dmaZoneNote() : ""), false, none);
                }
                bits = last + 1;
            }
        }
        List<String> kconfig = new ArrayList<>();
        Set<String> keys = new TreeSet<>(from.kconfig().keySet());
        keys.addAll(to.kconfig().keySet());
        for (String k : keys) {
            String a = from.kconfig().get(k);
            String b = to.kconfig().get(k);
            if (a == null) {
                kconfig.add(k + "=" + b + " (new)");
            } else if (b == null) {
                kconfig.add(k + " (gone)");
            } else if (!a.equals(b)) {
                kconfig.add(k + " " + a + " -> " + b);
            }
        }
        if (!kconfig.isEmpty()) {
            add("Kconfig: " + String.join(", ", kconfig), false, List.of("(Debian's builds of both kernels)"));
        }
    }
}
