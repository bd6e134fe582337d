package org.dmasim.iommu.pgtable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.mm.Gfp;

/**
 * An ARM LPAE stage-1 io-pgtable with the 4 KiB granule ({@code ARM_64_LPAE_S1} of
 * {@code drivers/iommu/io-pgtable-arm.c}, Linux 6.1) together with the page-size loops of
 * {@code iommu_map}/{@code iommu_unmap} ({@code drivers/iommu/iommu.c}) that feed it.
 *
 * <pre>
 *  IOVA (ias 48)  | 47..39 | 38..30 | 29..21 | 20..12 | 11..0 |
 *                    L0 idx   L1 idx   L2 idx   L3 idx   offset
 *
 *  ttbr -> pgd (L0, 512 x 8 bytes)     descriptor (64 bits)
 *          [i] table -> L1 table       table (L0-L2): next table PA | 0b11
 *                       [j] 1G block   block (L1/L2): PA | attributes | 0b01
 *                       [k] table -> L2 table
 *                                     [l] 2M block
 *                                     [m] table -> L3 table
 *                                                  [n] 4K page: PA | attributes | 0b11
 * </pre>
 *
 * <ol>
 * <li>map ({@code __iommu_map}): iova, paddr and size must be multiples of the smallest page
 *     size, else {@code "unaligned: ..."} and -EINVAL. Then repeatedly {@code iommu_pgsize}
 *     picks the largest supported size that fits the rest and divides {@code iova|paddr}, and a
 *     count of such pages that stops at the next bigger size's boundary when a bigger page could
 *     start there; {@code map_pages} walks down from the pgd, allocating a zeroed table page
 *     (with the caller's gfp) for every empty entry above the target level and installing it
 *     with compare-and-swap, and at the level whose block size is the page size writes up to
 *     {@code count} consecutive leaves, as many as the table page holds from that index. A leaf
 *     already there is -EEXIST (WARN, nothing written); a table where a block goes is unmapped
 *     and freed first; a block met on the way down is -EEXIST. If any step fails, the whole
 *     {@code iommu_unmap} of what this call mapped runs (its gather synced at the end); tables
 *     stay.</li>
 * <li>unmap ({@code __iommu_unmap}): the same chopping with iova as paddr; each step walks
 *     down to the level of its page size and clears up to {@code count} entries. A cleared leaf
 *     is added to the gather (not in a flush-queue unmap); a cleared table pointer (an unmap
 *     that covers a whole block-aligned block over a table) is flushed from the walk caches
 *     at once and the table and its sub-tables are freed. Tables are never freed for becoming
 *     empty. A zero entry stops the loop (WARN): the bytes so far are returned. A block met above
 *     the target level is split: a new table (GFP_ATOMIC) takes the block's attributes in every
 *     entry but the removed ones, replaces the block atomically, and the removed entries are
 *     added to the gather, even in a flush-queue unmap; a request two levels below the block
 *     splits level by level.</li>
 * <li>iova_to_phys: the walk, the leaf's address plus the IOVA's offset in it, 0 at a zero
 *     entry.</li>
 * </ol>
 *
 * <p>Data layout here vs the kernel: the descriptors are the real 64-bit words the SMMU walks
 * (the same bits the kernel writes, including {@code SW_SYNC} on the table descriptors of a
 * non-coherent walker), in {@link DescriptorPages}, 512 longs per table page keyed by physical
 * address. The kernel reaches a table from its descriptor through the linear map
 * ({@code __va}); here each table page is an {@link IoTable} whose shadow array holds the tables
 * its descriptors point at, so a descent is two array loads per level and no hash look-up. On
 * top, the last-level table of the last page-sized map or unmap is remembered with the 2 MiB it
 * translates: streaming DMA maps page after page in one region, and for those the walk from the
 * pgd (which would end in the same table, since a table that is not freed is linked) is
 * skipped. One aligned 4 KiB page, what a streaming {@code dma_map_page} maps, is the single
 * {@code map_pages}/{@code unmap_pages} call {@code iommu_pgsize} would make of it (size 4 KiB,
 * count 1); when that table holds it, the leaf is written or cleared (and added to the gather)
 * right there, every other case takes the full path. {@code map_pages} fills its run of leaves
 * with one loop over one array. The kernel's
 * recursion is a loop on the map and unmap paths; only splitting and table freeing recurse.
 * Not modelled: the DMA mapping and cache maintenance of tables for a non-coherent walker (the
 * walker reads {@code DescriptorPages} directly, so there is nothing to clean) and the memory
 * barriers. Return values replace WARNs: a WARN's text goes to the warn sink (file and line of
 * Debian's 6.1.192, without CPU, PID, offset or stack) and the call returns what the kernel
 * returns after it.
 *
 * <p>Concurrency as in the kernel: callers on disjoint IOVA ranges may run in parallel (tables
 * are installed with compare-and-swap, a loser frees its page); overlapping calls are the
 * caller's bug, as they are there.
 */
public final class LpaeS1Pgtable {
    /** {@code GFP_ATOMIC} of 6.1 ({@code __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM}). */
    public static final int GFP_ATOMIC = Gfp.__GFP_HIGH | 0x200 | Gfp.__GFP_KSWAPD_RECLAIM;

    static final long SZ_4K = 1L << 12;
    static final long SZ_2M = 1L << 21;
    static final long SZ_1G = 1L << 30;

    static final int MAX_LEVELS = 4;
    static final int BITS_PER_LEVEL = 9;
    static final int PTES_PER_TABLE = 1 << BITS_PER_LEVEL;
    static final int MAX_ADDR_BITS = 48;

    static final long TYPE_MASK = 3;
    static final long TYPE_BLOCK = 1;
    static final long TYPE_TABLE = 3;
    static final long TYPE_PAGE = 3;
    static final long ADDR_MASK = 0x0000_ffff_ffff_f000L;
    static final long PTE_XN = 3L << 53;
    static final long PTE_AF = 1L << 10;
    static final long PTE_SH_OS = 2L << 8;
    static final long PTE_SH_IS = 3L << 8;
    static final long PTE_AP_UNPRIV = 1L << 6;
    static final long PTE_AP_RDONLY = 2L << 6;
    static final long PTE_NG = 1L << 11;
    static final int ATTRINDX_SHIFT = 2;
    static final long ATTRINDX_MASK = 7L << ATTRINDX_SHIFT;
    static final long SW_SYNC = 1L << 55;
    /** What a split copies from a block into its new leaves: bits 11:2 and 54:53. */
    static final long ATTR_MASK = (0x3ffL << 2) | (6L << 52);

    static final int MAIR_IDX_NC = 0;
    static final int MAIR_IDX_CACHE = 1;
    static final int MAIR_IDX_DEV = 2;
    static final long MAIR = 0x44L | 0xffL << 8 | 0x04L << 16 | 0xf4L << 24;

    private static final String PGTABLE_C = "drivers/iommu/io-pgtable-arm.c";
    private static final int EINVAL = Errno.EINVAL;
    private static final int ENOMEM = Errno.ENOMEM;
    private static final int EEXIST = Errno.EEXIST;
    /** Not in {@link Errno}: only io-pgtable returns it here. */
    static final int ERANGE = 34;

    private final DescriptorPages mem;
    private final IoPgtableTlb tlb;
    private final int ias;
    private final int oas;
    private final long pgsizeBitmap;
    private final int startLevel;
    /** Index bits of the pgd (fewer than 9 when ias - 12 is not a multiple of 9). */
    private final int pgdBits;
    private final IoTable pgd;
    private final Tcr tcr;
    /** What a new table descriptor carries besides its address. */
    private final long tableBits;
    private final AtomicLong tablePages = new AtomicLong();
    /** See {@link #hotLeafTable}. */
    private volatile IoTable hotLeaf;
    private volatile Consumer<String> warnSink = s -> { };
    private volatile boolean freed;

    private LpaeS1Pgtable(DescriptorPages mem, int ias, int oas, long pgsizeBitmap, boolean coherentWalk,
        IoPgtableTlb tlb, int ips, long pgdPa) {
        this.mem = mem;
        this.tlb = tlb;
        this.ias = ias;
        this.oas = oas;
        this.pgsizeBitmap = pgsizeBitmap;
        int vaBits = ias - 12;
        int levels = (vaBits + BITS_PER_LEVEL - 1) / BITS_PER_LEVEL;
        this.startLevel = MAX_LEVELS - levels;
        this.pgdBits = vaBits - BITS_PER_LEVEL * (levels - 1);
        this.pgd = new IoTable(pgdPa, mem.page(pgdPa), startLevel < MAX_LEVELS - 1, 0);
        this.tableBits = TYPE_TABLE | (coherentWalk ? 0 : SW_SYNC);
        // TCR as arm_64_lpae_alloc_pgtable_s1 sets it (no quirks: OUTER_WBWA is not used by SMMUv3)
        this.tcr = coherentWalk ? new Tcr(64 - ias, 0, 1, 1, 3, ips) : new Tcr(64 - ias, 0, 0, 0, 2, ips);
        tablePages.set(1);
    }

    /**
     * {@code alloc_io_pgtable_ops(ARM_64_LPAE_S1)}: restricts the page sizes to the 4 KiB
     * granule's (4K|2M|1G), caps ias and oas at 48, allocates the pgd with GFP_KERNEL.
     *
     * @return null where the kernel's allocation returns NULL: the pgd page cannot be allocated,
     *     or oas is not one TCR.IPS can express (32, 36, 40, 42, 44, 48 after the cap)
     * @throws IllegalArgumentException when the bitmap has no 4 KiB page (other granules are not
     *     modelled) or ias is not above 12
     */
    public static LpaeS1Pgtable alloc(DescriptorPages mem, int ias, int oas, long pgsizeBitmap, boolean coherentWalk,
        IoPgtableTlb tlb) {
        Objects.requireNonNull(mem, "mem");
        Objects.requireNonNull(tlb, "tlb");
        if ((pgsizeBitmap & SZ_4K) == 0) {
            throw new IllegalArgumentException(String.format("io-pgtable: pgsize_bitmap 0x%x has no 4 KiB page; only"
                + " the 4 KiB granule is modelled", pgsizeBitmap));
        }
        if (ias <= 12 || oas <= 0) {
            throw new IllegalArgumentException("io-pgtable: ias " + ias + " / oas " + oas
                + ": the input size must exceed the 12-bit page offset and the output size be positive");
        }
        long bitmap = pgsizeBitmap & (SZ_4K | SZ_2M | SZ_1G);
        int cappedIas = Math.min(ias, MAX_ADDR_BITS);
        int cappedOas = Math.min(oas, MAX_ADDR_BITS);
        int ips = ipsOf(cappedOas);
        if (ips < 0) {
            return null;
        }
        long pgd = mem.allocPage(Gfp.GFP_KERNEL);
        if (pgd < 0) {
            return null;
        }
        return new LpaeS1Pgtable(mem, cappedIas, cappedOas, bitmap, coherentWalk, tlb, ips, pgd);
    }

    /** {@link #alloc} with a sink for the WARN and pr_err texts this table's calls print. */
    public static LpaeS1Pgtable alloc(DescriptorPages mem, int ias, int oas, long pgsizeBitmap, boolean coherentWalk,
        IoPgtableTlb tlb, Consumer<String> warnSink) {
        LpaeS1Pgtable t = alloc(mem, ias, oas, pgsizeBitmap, coherentWalk, tlb);
        if (t != null) {
            t.setWarnSink(warnSink);
        }
        return t;
    }

    private static int ipsOf(int oas) {
        switch (oas) {
            case 32: return 0;
            case 36: return 1;
            case 40: return 2;
            case 42: return 3;
            case 44: return 4;
            case 48: return 5;
            default: return -1;
        }
    }

    /** Where the kernel's WARN and pr_err texts of this table's calls go (one line each). */
    public void setWarnSink(Consumer<String> sink) {
        this.warnSink = Objects.requireNonNull(sink, "sink");
    }

    public long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    public int ias() {
        return ias;
    }

    public int oas() {
        return oas;
    }

    public int levels() {
        return MAX_LEVELS - startLevel;
    }

    public int startLevel() {
        return startLevel;
    }

    /** TTBR0: the pgd's physical address. */
    public long ttbr() {
        return pgd.pa;
    }

    /** MAIR0: attribute index 0 normal NC, 1 normal WB RWA, 2 device nGnRE, 3 inner NC outer WB. */
    public long mair() {
        return MAIR;
    }

    public Tcr tcr() {
        return tcr;
    }

    /** Table pages this table holds now, the pgd included. */
    public long tablePages() {
        return tablePages.get();
    }

    // ---- geometry ----

    static int shift(int lvl) {
        return (MAX_LEVELS - lvl) * BITS_PER_LEVEL + 3;
    }

    static long blockSize(int lvl) {
        return 1L << shift(lvl);
    }

    private int index(long iova, int lvl) {
        int bits = lvl == startLevel ? pgdBits : BITS_PER_LEVEL;
        return (int) ((iova >>> shift(lvl)) & ((1L << bits) - 1));
    }

    /** A leaf: a page at the last level, a block above it. */
    static boolean isLeaf(long pte, int lvl) {
        return lvl == MAX_LEVELS - 1 ? (pte & TYPE_MASK) == TYPE_PAGE : (pte & TYPE_MASK) == TYPE_BLOCK;
    }

    /** The table {@code t.ptes[idx]} points at. */
    private static IoTable child(IoTable t, int idx) {
        IoTable c = t.child(idx);
        if (c == null || c.pa != (t.ptes[idx] & ADDR_MASK)) {
            throw new IllegalStateException(String.format("io-pgtable: table descriptor 0x%016x at 0x%x has no"
                + " table behind it", t.ptes[idx], t.pa + 8L * idx));
        }
        return c;
    }

    /**
     * A new zeroed table page of level {@code lvl} in slot {@code idx} of {@code parent}, or
     * the table another caller installed there first; null when no page could be allocated.
     */
    private IoTable installTable(IoTable parent, int idx, int lvl, int gfp, long iova) {
        long pa = mem.allocPage(gfp);
        if (pa < 0) {
            return null;
        }
        IoTable t = new IoTable(pa, mem.page(pa), lvl < MAX_LEVELS - 1, iova & -blockSize(lvl - 1));
        if (parent.claim(idx, t)) {
            parent.ptes[idx] = pa | tableBits;
            tablePages.incrementAndGet();
            return t;
        }
        mem.freePage(pa);
        return parent.child(idx);
    }

    /** {@code arm_lpae_prot_to_pte} for stage 1: the attribute bits of a leaf (no type, no address). */
    public static long protToPte(int prot) {
        long pte = PTE_NG | PTE_AF;
        if ((prot & IommuProt.WRITE) == 0 && (prot & IommuProt.READ) != 0) {
            pte |= PTE_AP_RDONLY;
        }
        if ((prot & IommuProt.PRIV) == 0) {
            pte |= PTE_AP_UNPRIV;
        }
        if ((prot & IommuProt.MMIO) != 0) {
            pte |= (long) MAIR_IDX_DEV << ATTRINDX_SHIFT;
        } else if ((prot & IommuProt.CACHE) != 0) {
            pte |= (long) MAIR_IDX_CACHE << ATTRINDX_SHIFT;
        }
        pte |= (prot & IommuProt.CACHE) != 0 ? PTE_SH_IS : PTE_SH_OS;
        if ((prot & IommuProt.NOEXEC) != 0) {
            pte |= PTE_XN;
        }
        return pte;
    }

    // ---- iommu_pgsize ----

    /** {@code iommu_pgsize}: the page size for the next chunk of [iova, iova + size). */
    static long pgsize(long bitmap, long iova, long paddr, long size) {
        long pgsizes = bitmap & (Long.highestOneBit(size) * 2 - 1);
        long addrMerge = iova | paddr;
        if (addrMerge != 0) {
            pgsizes &= Long.lowestOneBit(addrMerge) * 2 - 1;
        }
        return Long.highestOneBit(pgsizes);
    }

    /** The count half of {@code iommu_pgsize}: how many {@code pgsize} pages this chunk takes. */
    static long pgcount(long bitmap, long iova, long paddr, long size, long pgsize) {
        long bigger = bitmap & ~(pgsize * 2 - 1);
        if (bigger != 0) {
            long next = Long.lowestOneBit(bigger);
            if (((iova ^ paddr) & (next - 1)) == 0) {
                long offset = next - ((iova | paddr) & (next - 1));
                long offsetEnd = offset + next;
                if (Long.compareUnsigned(offsetEnd, offset) >= 0 && Long.compareUnsigned(offsetEnd, size) <= 0) {
                    size = offset;
                }
            }
        }
        return size >>> Long.numberOfTrailingZeros(pgsize);
    }

    // ---- map ----

    /**
     * {@code __iommu_map}: maps [iova, iova + size) to [paddr, ...) with {@code IOMMU_*} prot.
     *
     * @return 0, -EINVAL (unaligned, no READ/WRITE, table over a block that will not go),
     *     -ERANGE (iova beyond ias or paddr beyond oas), -EEXIST (a leaf or block in the way),
     *     -ENOMEM (no table page); on failure what this call mapped is unmapped again
     */
    public int map(long iova, long paddr, long size, int prot, int gfp) {
        checkLive();
        if (size == SZ_4K && ((iova | paddr) & (SZ_4K - 1)) == 0) {
            long ret = mapPage(iova, paddr, prot, gfp);
            return ret < 0 ? unwindMap(iova, 0, (int) ret) : 0;
        }
        return mapChunks(iova, paddr, size, prot, gfp);
    }

    /** {@link #map} of anything but one aligned 4 KiB page: the page-size loop of {@code __iommu_map}. */
    private int mapChunks(long iova, long paddr, long size, int prot, int gfp) {
        long minPagesz = Long.lowestOneBit(pgsizeBitmap);
        if (((iova | paddr | size) & (minPagesz - 1)) != 0) {
            warnSink.accept(String.format("iommu: unaligned: iova 0x%x pa 0x%016x size 0x%x min_pagesz 0x%x", iova,
                paddr, size, minPagesz));
            return -EINVAL;
        }
        long left = size;
        long ret = 0;
        while (left != 0) {
            long pgsize = pgsize(pgsizeBitmap, iova, paddr, left);
            long count = pgcount(pgsizeBitmap, iova, paddr, left, pgsize);
            ret = mapPages(iova, paddr, pgsize, count, prot, gfp);
            if (ret < 0) {
                break;
            }
            left -= ret;
            iova += ret;
            paddr += ret;
        }
        return ret < 0 ? unwindMap(iova - (size - left), size - left, (int) ret) : 0;
    }

    /** A failed {@code __iommu_map}: the whole {@code iommu_unmap} of what it mapped, synced; returns the error. */
    private int unwindMap(long iova, long mapped, int error) {
        IotlbGather gather = new IotlbGather(false);
        unmap(iova, mapped, gather);
        tlb.iotlbSync(gather);
        gather.reset();
        return error;
    }

    /**
     * {@code __iommu_map} of one aligned 4 KiB page: {@code iommu_pgsize} gives 4 KiB and a count
     * of 1 (a bigger page would need more than 4 KiB), so it is one {@code map_pages} call. In the
     * last-level table of the last page map or unmap ({@link #hotLeafTable}) with an empty slot,
     * that call writes the one leaf {@code arm_lpae_init_pte} writes; anything else (out of
     * range, no READ/WRITE, another table, a leaf in the way) takes {@link #mapPages}.
     */
    private long mapPage(long iova, long paddr, int prot, int gfp) {
        IoTable hot = hotLeafTable(iova, SZ_4K);
        if (hot != null && (iova >> ias) == 0 && (paddr >>> oas) == 0
            && (prot & (IommuProt.READ | IommuProt.WRITE)) != 0) {
            long[] ptes = hot.ptes;
            int idx = index(iova, MAX_LEVELS - 1);
            if (ptes[idx] == 0) {
                ptes[idx] = protToPte(prot) | TYPE_PAGE | (paddr & ADDR_MASK);
                return SZ_4K;
            }
        }
        return mapPages(iova, paddr, SZ_4K, 1, prot, gfp);
    }

    /** {@code arm_lpae_map_pages}: bytes mapped (&gt; 0), or -errno with nothing mapped. */
    private long mapPages(long iova, long paddr, long pgsize, long pgcount, int iommuProt, int gfp) {
        if ((iova >> ias) != 0 || (paddr >>> oas) != 0) {
            warnOn(492, "arm_lpae_map_pages");
            return -ERANGE;
        }
        if ((iommuProt & (IommuProt.READ | IommuProt.WRITE)) == 0) {
            return -EINVAL;
        }
        long prot = protToPte(iommuProt);
        IoTable table = pgd;
        int lvl = startLevel;
        IoTable hot = hotLeafTable(iova, pgsize);
        if (hot != null) {
            table = hot;
            lvl = MAX_LEVELS - 1;
        }
        for (;; lvl++) {
            int idx = index(iova, lvl);
            if (pgsize == blockSize(lvl)) {
                if (lvl == MAX_LEVELS - 1 && hot != table) {
                    hotLeaf = table;
                }
                int n = (int) Math.min(pgcount, PTES_PER_TABLE - (idx & (PTES_PER_TABLE - 1)));
                int r = initPte(iova, paddr, prot, lvl, n, table, idx);
                return r == 0 ? n * pgsize : r;
            }
            if (lvl >= MAX_LEVELS - 1) {
                warnOn(382, "__arm_lpae_map");
                return -EINVAL;
            }
            long pte = table.ptes[idx];
            if (isLeaf(pte, lvl)) {
                warnOn(403, "__arm_lpae_map");
                return -EEXIST;
            }
            IoTable next = table.child(idx);
            if (next == null) {
                next = installTable(table, idx, lvl + 1, gfp, iova);
                if (next == null) {
                    return -ENOMEM;
                }
            }
            table = next;
        }
    }

    /** {@code arm_lpae_init_pte}: n leaves from {@code table[idx]}, or -errno with none written. */
    private int initPte(long iova, long paddr, long prot, int lvl, int n, IoTable table, int idx) {
        long sz = blockSize(lvl);
        long[] ptes = table.ptes;
        long any = 0;
        for (int i = idx, end = idx + n; i < end; i++) {
            any |= ptes[i];
        }
        for (int i = 0; any != 0 && i < n; i++) {
            long old = ptes[idx + i];
            if (isLeaf(old, lvl)) {
                warnOn(301, "arm_lpae_init_pte");
                return -EEXIST;
            }
            // a block where a table is: the table goes first, as a block-sized unmap would do it
            if ((old & TYPE_MASK) == TYPE_TABLE
                && clearEntries(null, iova + i * sz, sz, 1, lvl, table, idx + i) != sz) {
                warnOn(314, "arm_lpae_init_pte");
                return -EINVAL;
            }
        }
        long pte = prot | (lvl == MAX_LEVELS - 1 ? TYPE_PAGE : TYPE_BLOCK);
        long pa = paddr;
        for (int i = idx, end = idx + n; i < end; i++) {
            ptes[i] = pte | (pa & ADDR_MASK);
            pa += sz;
        }
        return 0;
    }

    // ---- unmap ----

    /**
     * {@code __iommu_unmap} ({@code iommu_unmap_fast}): unmaps [iova, iova + size) into
     * {@code gather}; the caller syncs it.
     *
     * @return bytes unmapped: 0 for unaligned input, less than size when an unmapped entry
     *     stopped the walk (WARN)
     */
    public long unmap(long iova, long size, IotlbGather gather) {
        checkLive();
        if (size == SZ_4K && (iova & (SZ_4K - 1)) == 0) {
            return unmapPage(iova, gather);
        }
        return unmapChunks(iova, size, gather);
    }

    /**
     * {@code __iommu_unmap} of one aligned 4 KiB page: one {@code unmap_pages} call of one 4 KiB
     * page (see {@link #mapPage}). A page leaf in the hot last-level table is cleared and added to
     * the gather as {@code __arm_lpae_unmap} does it; anything else takes {@link #unmapPages}.
     */
    private long unmapPage(long iova, IotlbGather gather) {
        IoTable hot = hotLeafTable(iova, SZ_4K);
        if (hot != null && (iova >> ias) == 0) {
            long[] ptes = hot.ptes;
            int idx = index(iova, MAX_LEVELS - 1);
            if ((ptes[idx] & TYPE_MASK) == TYPE_PAGE) {
                ptes[idx] = 0;
                if (gather == null || !gather.queued()) {
                    tlb.addPage(gather, iova, SZ_4K);
                }
                return SZ_4K;
            }
        }
        return unmapPages(iova, SZ_4K, 1, gather);
    }

    /** {@link #unmap} of anything but one aligned 4 KiB page: the page-size loop of {@code __iommu_unmap}. */
    private long unmapChunks(long iova, long size, IotlbGather gather) {
        long minPagesz = Long.lowestOneBit(pgsizeBitmap);
        if (((iova | size) & (minPagesz - 1)) != 0) {
            warnSink.accept(String.format("iommu: unaligned: iova 0x%x size 0x%x min_pagesz 0x%x", iova, size,
                minPagesz));
            return 0;
        }
        long unmapped = 0;
        while (Long.compareUnsigned(unmapped, size) < 0) {
            long left = size - unmapped;
            long pgsize = pgsize(pgsizeBitmap, iova, iova, left);
            long count = pgcount(pgsizeBitmap, iova, iova, left, pgsize);
            long done = unmapPages(iova, pgsize, count, gather);
            if (done == 0) {
                break;
            }
            iova += done;
            unmapped += done;
        }
        return unmapped;
    }

    /** {@code arm_lpae_unmap_pages}. */
    private long unmapPages(long iova, long pgsize, long pgcount, IotlbGather gather) {
        if ((iova >> ias) != 0) {
            warnOn(689, "arm_lpae_unmap_pages");
            return 0;
        }
        IoTable hot = hotLeafTable(iova, pgsize);
        if (hot != null) {
            return unmapWalk(gather, iova, pgsize, pgcount, MAX_LEVELS - 1, hot);
        }
        return unmapWalk(gather, iova, pgsize, pgcount, startLevel, pgd);
    }

    /**
     * The last-level table of the last page map or unmap when it translates {@code iova}: the
     * walk down to it would end there (a table that is not freed is linked), so a page-sized
     * request starts there. Streaming DMA maps and unmaps page after page in one 2 MiB region.
     */
    private IoTable hotLeafTable(long iova, long pgsize) {
        if (pgsize != SZ_4K) {
            return null;
        }
        IoTable hot = hotLeaf;
        return hot != null && hot.base == (iova & -SZ_2M) && !hot.freed ? hot : null;
    }

    /** {@code __arm_lpae_unmap} from {@code table} (of level lvl) down. */
    private long unmapWalk(IotlbGather gather, long iova, long size, long pgcount, int lvl, IoTable table) {
        for (;; lvl++) {
            if (lvl == MAX_LEVELS) {
                warnOn(626, "__arm_lpae_unmap");
                return 0;
            }
            int idx = index(iova, lvl);
            long pte = table.ptes[idx];
            if (pte == 0) {
                warnOn(632, "__arm_lpae_unmap");
                return 0;
            }
            if (size == blockSize(lvl)) {
                if (lvl == MAX_LEVELS - 1 && hotLeaf != table) {
                    hotLeaf = table;
                }
                return clearEntries(gather, iova, size, pgcount, lvl, table, idx);
            }
            if (isLeaf(pte, lvl)) {
                return splitBlockUnmap(gather, iova, size, pte, lvl + 1, table, idx, pgcount);
            }
            table = child(table, idx);
        }
    }

    /**
     * The request's size is this level's block size: clears up to {@code pgcount} entries from
     * {@code table[idx]} (not beyond the table), stopping at a zero entry (WARN).
     */
    private long clearEntries(IotlbGather gather, long iova, long size, long pgcount, int lvl, IoTable table,
        int idx) {
        long[] ptes = table.ptes;
        int n = (int) Math.min(pgcount, PTES_PER_TABLE - (idx & (PTES_PER_TABLE - 1)));
        boolean addLeaves = gather == null || !gather.queued();
        int i = 0;
        while (i < n) {
            long pte = ptes[idx + i];
            if (pte == 0) {
                warnOn(642, "__arm_lpae_unmap");
                break;
            }
            ptes[idx + i] = 0;
            if (!isLeaf(pte, lvl)) {
                IoTable sub = table.child(idx + i);
                table.next[idx + i] = null;
                tlb.flushWalk(iova + i * size, size, SZ_4K);
                freeTables(sub);
            } else if (addLeaves) {
                tlb.addPage(gather, iova + i * size, size);
            }
            i++;
        }
        return i * size;
    }

    /**
     * {@code arm_lpae_split_blk_unmap}: replaces the block {@code blkPte} in slot
     * {@code parentIdx} of {@code parent} by a table of level {@code lvl} mapping the block minus
     * the removed entries; a request smaller than this level's blocks recurses into the new table.
     */
    private long splitBlockUnmap(IotlbGather gather, long iova, long size, long blkPte, int lvl, IoTable parent,
        int parentIdx, long pgcount) {
        if (lvl == MAX_LEVELS) {
            warnOn(570, "arm_lpae_split_blk_unmap");
            return 0;
        }
        long tablePa = mem.allocPage(GFP_ATOMIC);
        if (tablePa < 0) {
            return 0;
        }
        long[] t = mem.page(tablePa);
        long splitSize = blockSize(lvl);
        int unmapStart = -1;
        int removed = 0;
        if (size == splitSize) {
            unmapStart = index(iova, lvl);
            removed = (int) Math.min(pgcount, PTES_PER_TABLE - unmapStart);
        }
        long leaf = (blkPte & ATTR_MASK) | (lvl == MAX_LEVELS - 1 ? TYPE_PAGE : TYPE_BLOCK);
        long blkPa = blkPte & ADDR_MASK;
        for (int i = 0; i < PTES_PER_TABLE; i++) {
            if (i < unmapStart || i >= unmapStart + removed) {
                t[i] = leaf | ((blkPa + i * splitSize) & ADDR_MASK);
            }
        }
        IoTable table = new IoTable(tablePa, t, lvl < MAX_LEVELS - 1, iova & -blockSize(lvl - 1));
        if (parent.claim(parentIdx, table)) {
            parent.ptes[parentIdx] = tablePa | tableBits;
            tablePages.incrementAndGet();
            if (unmapStart >= 0) {
                for (int i = 0; i < removed; i++) {
                    tlb.addPage(gather, iova + i * size, size);
                }
                return removed * size;
            }
            return unmapWalk(gather, iova, size, pgcount, lvl, table);
        }
        // another caller split the block first: walk on in its table
        mem.freePage(tablePa);
        return unmapWalk(gather, iova, size, pgcount, lvl, parent.child(parentIdx));
    }

    /** {@code __arm_lpae_free_pgtable}: {@code t} and every table below it. */
    private void freeTables(IoTable t) {
        if (t.next != null) {
            for (IoTable sub : t.next) {
                if (sub != null) {
                    freeTables(sub);
                }
            }
        }
        t.freed = true;
        mem.freePage(t.pa);
        tablePages.decrementAndGet();
    }

    /** {@code arm_lpae_free_pgtable}: every table page goes back; the table is unusable after. */
    public void free() {
        checkLive();
        freed = true;
        freeTables(pgd);
    }

    // ---- lookups ----

    /** {@code arm_lpae_iova_to_phys}: 0 when nothing is mapped (bits above ias are not checked). */
    public long iovaToPhys(long iova) {
        checkLive();
        IoTable table = pgd;
        for (int lvl = startLevel; lvl < MAX_LEVELS; lvl++) {
            int idx = index(iova, lvl);
            long pte = table.ptes[idx];
            if (pte == 0) {
                return 0;
            }
            if (isLeaf(pte, lvl)) {
                return (pte & ADDR_MASK) | (iova & (blockSize(lvl) - 1));
            }
            table = child(table, idx);
        }
        return 0;
    }

    /** The walk for {@code iova}, descriptor by descriptor. */
    public WalkTrace walk(long iova) {
        checkLive();
        List<WalkTrace.Step> steps = new ArrayList<>(MAX_LEVELS);
        if ((iova >> ias) != 0) {
            return new WalkTrace(iova, steps, WalkTrace.Stop.OUT_OF_RANGE, 0);
        }
        long tablePa = pgd.pa;
        for (int lvl = startLevel; lvl < MAX_LEVELS; lvl++) {
            long[] table = mem.page(tablePa);
            if (table == null) {
                return new WalkTrace(iova, steps, WalkTrace.Stop.NO_TABLE, 0);
            }
            int idx = index(iova, lvl);
            long pte = table[idx];
            steps.add(new WalkTrace.Step(lvl, tablePa + 8L * idx, pte));
            if (pte == 0) {
                return new WalkTrace(iova, steps, WalkTrace.Stop.EMPTY, 0);
            }
            if (isLeaf(pte, lvl)) {
                return new WalkTrace(iova, steps, WalkTrace.Stop.LEAF,
                    (pte & ADDR_MASK) | (iova & (blockSize(lvl) - 1)));
            }
            tablePa = pte & ADDR_MASK;
        }
        return new WalkTrace(iova, steps, WalkTrace.Stop.EMPTY, 0);
    }

    /**
     * The leaves mapping any part of [iova, iova + size), one line each in IOVA order:
     * {@code <first>-<last> L<level> <size> -> <pa> pte <value> <RW|RO> <NC|WB|DEV>[ XN][ PRIV]}.
     */
    public List<String> dump(long iova, long size) {
        checkLive();
        List<String> out = new ArrayList<>();
        if (size != 0) {
            dumpTable(out, pgd, startLevel, 0, iova, iova + size - 1);
        }
        return out;
    }

    private void dumpTable(List<String> out, IoTable table, int lvl, long base, long first, long last) {
        long bs = blockSize(lvl);
        int entries = lvl == startLevel ? 1 << pgdBits : PTES_PER_TABLE;
        for (int i = 0; i < entries; i++) {
            long lo = base + i * bs;
            long hi = lo + bs - 1;
            if (Long.compareUnsigned(hi, first) < 0 || Long.compareUnsigned(lo, last) > 0) {
                continue;
            }
            long pte = table.ptes[i];
            if (pte == 0) {
                continue;
            }
            if (isLeaf(pte, lvl)) {
                out.add(describe(lo, hi, lvl, pte));
            } else if (lvl < MAX_LEVELS - 1) {
                dumpTable(out, child(table, i), lvl + 1, lo, first, last);
            }
        }
    }

    static String describe(long lo, long hi, int lvl, long pte) {
        long bs = hi - lo + 1;
        String sz = bs >= SZ_1G ? (bs >> 30) + "G" : bs >= SZ_2M ? (bs >> 20) + "M" : (bs >> 10) + "K";
        String attr = switch ((int) ((pte & ATTRINDX_MASK) >> ATTRINDX_SHIFT)) {
            case MAIR_IDX_NC -> "NC";
            case MAIR_IDX_CACHE -> "WB";
            case MAIR_IDX_DEV -> "DEV";
            default -> "ATTR3";
        };
        return String.format("0x%012x-0x%012x L%d %s -> 0x%012x pte 0x%016x %s %s%s%s", lo, hi, lvl, sz,
            pte & ADDR_MASK, pte, (pte & PTE_AP_RDONLY) != 0 ? "RO" : "RW", attr,
            (pte & PTE_XN) != 0 ? " XN" : "", (pte & PTE_AP_UNPRIV) == 0 ? " PRIV" : "");
    }

    private void warnOn(int line, String function) {
        warnSink.accept("WARNING: at " + PGTABLE_C + ":" + line + " " + function);
    }

    private void checkLive() {
        if (freed) {
            throw new IllegalStateException("io-pgtable: used after arm_lpae_free_pgtable");
        }
    }
}
