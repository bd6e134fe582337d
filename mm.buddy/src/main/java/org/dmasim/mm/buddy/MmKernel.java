package org.dmasim.mm.buddy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * Everything in {@code mm/} that dmasim models differently per kernel version, in one place:
 * one object per version, picked by the platform's kernel ({@link #of}). Adding a kernel is
 * adding a subclass and its entry in {@link #BY_VERSION}.
 *
 * <ul>
 * <li>The GFP table ({@code include/linux/gfp_types.h}, {@code include/trace/events/mmflags.h}):
 *     6.1 has {@code __GFP_ATOMIC} (0x200) and {@code GFP_ATOMIC = __GFP_HIGH|__GFP_ATOMIC|
 *     __GFP_KSWAPD_RECLAIM} (0xa20); 6.3 dropped the bit (it stays unused) and {@code GFP_ATOMIC}
 *     became {@code __GFP_HIGH|__GFP_KSWAPD_RECLAIM} (0x820).</li>
 * <li>How GFP flags become the allocator's reserve rights ({@code gfp_to_alloc_flags},
 *     {@code __zone_watermark_ok}, {@code rmqueue_buddy}): 6.1 derives ALLOC_HARDER from
 *     __GFP_ATOMIC; 6.12 derives ALLOC_NON_BLOCK from the absence of __GFP_DIRECT_RECLAIM,
 *     ALLOC_MIN_RESERVE from __GFP_HIGH and ALLOC_HIGHATOMIC from both plus order &gt; 0
 *     ({@link #reserveFlags}).</li>
 * <li>The order limit's name: 6.1 {@code MAX_ORDER} 11 (exclusive), 6.12 {@code MAX_PAGE_ORDER}
 *     10 (inclusive, since 6.8): the same largest block, 4 MiB.</li>
 * <li>{@code build_all_zonelists()}'s "Total pages": 6.1 sums each zone's present pages minus
 *     its memmap estimate (the managed_pages {@code free_area_init_core()} set); 6.12 sums the
 *     present pages ({@link #zonelistTotalPages}).</li>
 * </ul>
 */
public abstract class MmKernel implements MmRules {
    /** The largest order both kernels hand out; the allocator's free lists are built for it. */
    static final int MAX_PAGE_ORDER = 10;

    private static final ByKernel<MmKernel> BY_VERSION = ByKernel.of("mm (the page allocator)",
        Map.of("6.1", new V6_1(), "6.12", new V6_12()));

    private final KernelVersion kernel;
    /** %pGg order: composite masks first, then single bits. */
    private final List<Map.Entry<String, Integer>> names;
    private final Map<String, Integer> byName;

    MmKernel(String kernel, Map<String, Integer> extraFlags) {
        this.kernel = KernelVersion.parse(kernel);
        this.names = nameTable(extraFlags);
        Map<String, Integer> all = new TreeMap<>(sharedFlags());
        all.putAll(extraFlags);
        this.byName = Collections.unmodifiableMap(all);
    }

    /** The rules of {@code kernel}. */
    public static MmKernel of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    /** The kernels {@link #of} knows. */
    public static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    @Override
    public KernelVersion kernel() {
        return kernel;
    }

    @Override
    public int maxPageOrder() {
        return MAX_PAGE_ORDER;
    }

    @Override
    public int gfp(String name) {
        Integer v = byName.get(name);
        if (v == null) {
            throw new IllegalArgumentException("gfp flag '" + name + "': Linux " + kernel + " has no such flag");
        }
        return v;
    }

    @Override
    public List<String> gfpNames() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : names) {
            out.add(e.getKey());
        }
        for (String n : byName.keySet()) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    /** Renders flags as this kernel's {@code %pGg} does: every whole mask still set, then the rest in hex. */
    @Override
    public String formatGfp(int gfp) {
        List<String> parts = new ArrayList<>();
        int rest = gfp;
        for (Map.Entry<String, Integer> entry : names) {
            int mask = entry.getValue();
            if (rest != 0 && (rest & mask) == mask) {
                parts.add(entry.getKey());
                rest &= ~mask;
            }
        }
        if (rest != 0) {
            parts.add("0x" + Integer.toHexString(rest));
        }
        return String.join("|", parts);
    }

    /**
     * The "Total pages" of {@code build_all_zonelists()} for zones sized by
     * {@code free_area_init()}.
     */
    public abstract long zonelistTotalPages(List<NodeLayout.ZoneSpan> zones);

    /**
     * The reserve rights a slow-path request of {@code order} gets from its GFP flags, as the
     * allocator's internal bits ({@link AllocFlags}: MIN_HALF, MIN_QUARTER, HIGHATOMIC,
     * RESERVES, HIGHATOMIC_FALLBACK), and whether the cpuset check is dropped.
     */
    abstract int reserveFlags(int gfp, int order);

    /**
     * {@code zone_watermark_fast()}'s exception for order-0 requests against a boosted min
     * watermark: 6.1 grants it to __GFP_ATOMIC, 6.12 to ALLOC_MIN_RESERVE (__GFP_HIGH).
     */
    abstract boolean ignoresBoost(int gfp, int flags);

    /** The flags every version shares, by reflection over {@link Gfp}'s constants. */
    private static Map<String, Integer> sharedFlags() {
        Map<String, Integer> out = new TreeMap<>();
        for (Field f : Gfp.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().contains("GFP_")) {
                try {
                    out.put(f.getName(), f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /** The {@code __def_gfpflag_names} order dmasim prints, with this kernel's extra entries in place. */
    private static List<Map.Entry<String, Integer>> nameTable(Map<String, Integer> extra) {
        Map<String, Integer> t = new LinkedHashMap<>();
        t.put("GFP_HIGHUSER_MOVABLE", Gfp.GFP_HIGHUSER_MOVABLE);
        t.put("GFP_HIGHUSER", Gfp.GFP_HIGHUSER);
        t.put("GFP_USER", Gfp.GFP_USER);
        t.put("GFP_KERNEL_ACCOUNT", Gfp.GFP_KERNEL | Gfp.__GFP_ACCOUNT);
        t.put("GFP_KERNEL", Gfp.GFP_KERNEL);
        t.put("GFP_NOFS", Gfp.GFP_NOFS);
        t.put("GFP_ATOMIC", extra.get("GFP_ATOMIC"));
        t.put("GFP_NOIO", Gfp.GFP_NOIO);
        t.put("GFP_NOWAIT", Gfp.GFP_NOWAIT);
        t.put("GFP_DMA", Gfp.GFP_DMA);
        t.put("__GFP_HIGHMEM", Gfp.__GFP_HIGHMEM);
        t.put("GFP_DMA32", Gfp.GFP_DMA32);
        t.put("__GFP_HIGH", Gfp.__GFP_HIGH);
        if (extra.containsKey("__GFP_ATOMIC")) {
            t.put("__GFP_ATOMIC", extra.get("__GFP_ATOMIC"));
        }
        t.put("__GFP_IO", Gfp.__GFP_IO);
        t.put("__GFP_FS", Gfp.__GFP_FS);
        t.put("__GFP_NOWARN", Gfp.__GFP_NOWARN);
        t.put("__GFP_RETRY_MAYFAIL", Gfp.__GFP_RETRY_MAYFAIL);
        t.put("__GFP_NOFAIL", Gfp.__GFP_NOFAIL);
        t.put("__GFP_NORETRY", Gfp.__GFP_NORETRY);
        t.put("__GFP_COMP", Gfp.__GFP_COMP);
        t.put("__GFP_ZERO", Gfp.__GFP_ZERO);
        t.put("__GFP_NOMEMALLOC", Gfp.__GFP_NOMEMALLOC);
        t.put("__GFP_MEMALLOC", Gfp.__GFP_MEMALLOC);
        t.put("__GFP_HARDWALL", Gfp.__GFP_HARDWALL);
        t.put("__GFP_THISNODE", Gfp.__GFP_THISNODE);
        t.put("__GFP_RECLAIMABLE", Gfp.__GFP_RECLAIMABLE);
        t.put("__GFP_MOVABLE", Gfp.__GFP_MOVABLE);
        t.put("__GFP_ACCOUNT", Gfp.__GFP_ACCOUNT);
        t.put("__GFP_WRITE", Gfp.__GFP_WRITE);
        t.put("__GFP_RECLAIM", Gfp.__GFP_RECLAIM);
        t.put("__GFP_DIRECT_RECLAIM", Gfp.__GFP_DIRECT_RECLAIM);
        t.put("__GFP_KSWAPD_RECLAIM", Gfp.__GFP_KSWAPD_RECLAIM);
        return List.copyOf(t.entrySet());
    }

    /** Linux 6.1: __GFP_ATOMIC, ALLOC_HARDER, MAX_ORDER 11, Total pages = present - memmap. */
    static final class V6_1 extends MmKernel {
        static final int __GFP_ATOMIC = 0x200;

        V6_1() {
            super("6.1", Map.of("__GFP_ATOMIC", __GFP_ATOMIC,
                "GFP_ATOMIC", Gfp.__GFP_HIGH | __GFP_ATOMIC | Gfp.__GFP_KSWAPD_RECLAIM));
        }

        @Override
        public String orderLimit() {
            return "MAX_ORDER is " + (MAX_PAGE_ORDER + 1);
        }

        @Override
        public long zonelistTotalPages(List<NodeLayout.ZoneSpan> zones) {
            return zones.stream().mapToLong(NodeLayout.ZoneSpan::freesize).sum();
        }

        /**
         * {@code gfp_to_alloc_flags()} of 6.1: __GFP_HIGH halves min (ALLOC_HIGH); __GFP_ATOMIC,
         * unless __GFP_NOMEMALLOC, is ALLOC_HARDER: min cut by a further quarter, the HighAtomic
         * reserve usable and its blocks taken first for order &gt; 0; __GFP_ATOMIC also drops
         * the cpuset check.
         */
        @Override
        int reserveFlags(int gfp, int order) {
            int flags = 0;
            if ((gfp & Gfp.__GFP_HIGH) != 0) {
                flags |= AllocFlags.ALLOC_MIN_HALF;
            }
            if ((gfp & __GFP_ATOMIC) != 0) {
                if ((gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
                    flags |= AllocFlags.ALLOC_MIN_QUARTER | AllocFlags.ALLOC_RESERVES | AllocFlags.ALLOC_HIGHATOMIC;
                }
                flags |= AllocFlags.NO_CPUSET;
            }
            return flags;
        }

        @Override
        boolean ignoresBoost(int gfp, int flags) {
            return (gfp & __GFP_ATOMIC) != 0;
        }
    }

    /** Linux 6.12: no __GFP_ATOMIC, ALLOC_NON_BLOCK, MAX_PAGE_ORDER 10, Total pages = present. */
    static final class V6_12 extends MmKernel {
        V6_12() {
            super("6.12", Map.of("GFP_ATOMIC", Gfp.__GFP_HIGH | Gfp.__GFP_KSWAPD_RECLAIM));
        }

        @Override
        public String orderLimit() {
            return "MAX_PAGE_ORDER is " + MAX_PAGE_ORDER;
        }

        @Override
        public long zonelistTotalPages(List<NodeLayout.ZoneSpan> zones) {
            return zones.stream().mapToLong(NodeLayout.ZoneSpan::present).sum();
        }

        /**
         * {@code gfp_to_alloc_flags()} of 6.12 (the reserve rework of 6.3): __GFP_HIGH is
         * ALLOC_MIN_RESERVE (min halved); a request that cannot reclaim directly is
         * ALLOC_NON_BLOCK unless __GFP_NOMEMALLOC, which with ALLOC_MIN_RESERVE cuts min by a
         * further quarter, makes the HighAtomic reserve usable and, when nothing else fits,
         * takes its blocks; order &gt; 0 adds ALLOC_HIGHATOMIC (HighAtomic first, and a new
         * reserve). Non-blocking __GFP_HIGH drops the cpuset check. Any reserve flag counts the
         * HighAtomic reserve as usable ({@code ALLOC_RESERVES}).
         */
        @Override
        int reserveFlags(int gfp, int order) {
            int flags = 0;
            boolean minReserve = (gfp & Gfp.__GFP_HIGH) != 0;
            if (minReserve) {
                flags |= AllocFlags.ALLOC_MIN_HALF | AllocFlags.ALLOC_RESERVES;
            }
            if ((gfp & Gfp.__GFP_DIRECT_RECLAIM) == 0) {
                if ((gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
                    flags |= AllocFlags.ALLOC_RESERVES | AllocFlags.ALLOC_HIGHATOMIC_FALLBACK;
                    if (minReserve) {
                        flags |= AllocFlags.ALLOC_MIN_QUARTER;
                    }
                    if (order > 0) {
                        flags |= AllocFlags.ALLOC_HIGHATOMIC;
                    }
                }
                if (minReserve) {
                    flags |= AllocFlags.NO_CPUSET;
                }
            }
            return flags;
        }

        @Override
        boolean ignoresBoost(int gfp, int flags) {
            return (flags & AllocFlags.ALLOC_MIN_HALF) != 0;
        }
    }
}
