package org.dmasim.platform.boot;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.Memparse;

/**
 * {@code vfs_caches_init_early()}: the dentry and inode hash tables, the largest memblock users
 * between the default CMA area and swiotlb. With one memory node {@code page_alloc_init()} turns
 * {@code hashdist} off, so both come from memblock ({@code HASH_EARLY | HASH_ZERO}), 64-byte
 * aligned, top-down.
 *
 * <p>{@code alloc_large_system_hash()} (mm/page_alloc.c, 6.1), bucket size 8 bytes (an
 * {@code hlist_bl_head} resp. {@code hlist_head}): unless {@code dhash_entries=} /
 * {@code ihash_entries=} gives the count, it starts from nr_kernel_pages (every zone's present
 * pages minus its memmap, as free_area_init_core counted them) rounded up to a MiB worth of
 * pages, raises the scale (13 for dentries, 14 for inodes) by one per factor 4 above 64 GiB, and
 * keeps one bucket per 2^scale bytes, at least a page worth; then rounds up to a power of two and
 * caps at 1/16 of all memory. A failed allocation retries with half the buckets.
 */
public final class VfsHashTables implements BootParticipant {
    static final long BUCKET_SIZE = 8;
    static final long ADAPT_SCALE_NPAGES = (64L << 30) >>> Page.PAGE_SHIFT;
    static final int ADAPT_SCALE_SHIFT = 2;

    @Override
    public String name() {
        return "platform.vfs";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.CMDLINE);
    }

    @Override
    public int rank(BootPhase phase) {
        return 20;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        long kernelPages = ctx.get(NodeLayout.class)
            .map(l -> l.zones().stream().mapToLong(NodeLayout.ZoneSpan::freesize).sum())
            .orElseGet(() -> Page.pfnDown(ctx.memblock().physMemSize()));
        alloc(ctx, "Dentry cache", given(ctx, "dhash_entries"), kernelPages, 13);
        alloc(ctx, "Inode-cache", given(ctx, "ihash_entries"), kernelPages, 14);
    }

    /** {@code dhash_entries=} / {@code ihash_entries=}: simple_strtoul, 0 when absent. */
    private static long given(BootContext ctx, String param) {
        Optional<String> v = ctx.spec().cmdline().value(param);
        return v.map(s -> Memparse.strtoull(s, 0).value()).orElse(0L);
    }

    private static void alloc(BootContext ctx, String name, long numentries, long kernelPages, int scale) {
        if (numentries == 0) {
            numentries = (kernelPages + 255) & ~255L;
            for (long adapt = ADAPT_SCALE_NPAGES; adapt < numentries; adapt <<= ADAPT_SCALE_SHIFT) {
                scale++;
            }
            numentries = scale > Page.PAGE_SHIFT ? numentries >>> (scale - Page.PAGE_SHIFT)
                : numentries << (Page.PAGE_SHIFT - scale);
            if (numentries * BUCKET_SIZE < Page.PAGE_SIZE) {
                numentries = Page.PAGE_SIZE / BUCKET_SIZE;
            }
        }
        if (Long.bitCount(numentries) != 1) {
            numentries = Long.highestOneBit(numentries) << 1;
        }
        long max = Math.min((kernelPages << Page.PAGE_SHIFT >>> 4) / BUCKET_SIZE, 0x80000000L);
        numentries = Math.max(Math.min(numentries, max), 1);
        int log2qty = 63 - Long.numberOfLeadingZeros(numentries);
        long size;
        long at;
        do {
            size = BUCKET_SIZE << log2qty;
            at = ctx.memblock().allocTryNid(size, Memblock.SMP_CACHE_BYTES, 0, Memblock.ALLOC_ACCESSIBLE);
        } while (at == 0 && size > Page.PAGE_SIZE && --log2qty > 0);
        if (at == 0) {
            throw new org.dmasim.api.platform.InvalidInputException("early boot: Failed to allocate " + name
                + " hash table (the kernel panics; RAM too small for Linux to boot)");
        }
        ctx.log().info(String.format("%s hash table entries: %d (order: %d, %d bytes, linear)", name, 1L << log2qty,
            log2qty + 3 - Page.PAGE_SHIFT, size));
    }
}
