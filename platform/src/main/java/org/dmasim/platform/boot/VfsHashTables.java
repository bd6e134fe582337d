package org.dmasim.platform.boot;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Arch;

/**
 * {@code vfs_caches_init_early()}: the dentry and inode hash tables, sized by
 * {@code alloc_large_system_hash()} from the kernel's page count (one bucket per 2^13 resp.
 * 2^14 bytes, rounded to a power of two) and taken from memblock before {@code mem_init()}.
 * They are the largest memblock users between the default CMA area and swiotlb.
 */
public final class VfsHashTables implements BootParticipant {
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
        Memblock mb = ctx.memblock();
        long pages = Page.pfnDown(mb.physMemSize());
        long kernelPages = pages - pages / 64;
        alloc(ctx, "Dentry cache", kernelPages, 13);
        alloc(ctx, "Inode-cache", kernelPages, 14);
    }

    private static void alloc(BootContext ctx, String name, long kernelPages, int scale) {
        long entries = (kernelPages + 255) & ~255L;
        entries >>>= scale - Page.PAGE_SHIFT;
        entries = Math.max(entries, 1);
        if (Long.bitCount(entries) != 1) {
            entries = Long.highestOneBit(entries) << 1;
        }
        long size = entries * 8;
        long at = ctx.memblock().allocTryNid(size, Memblock.SMP_CACHE_BYTES, 0, Memblock.ALLOC_ACCESSIBLE);
        if (at == 0) {
            ctx.log().warn("Failed to allocate " + name + " hash table");
            return;
        }
        int order = Page.getOrder(size);
        ctx.log().info(String.format("%s hash table entries: %d (order: %d, %d bytes, linear)", name, entries, order, size));
    }
}
