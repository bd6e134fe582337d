package org.dmasim.platform.mem;

import java.util.Arrays;
import java.util.List;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * The contents of simulated RAM.
 *
 * <p>Layout: the RAM extents (memblock.memory at the end of early boot, sorted, as parallel
 * {@code base[]}/{@code end[]} arrays for a binary search) and a {@link PageTable} from pfn to a 4 KiB
 * {@code byte[]} for each page that holds something other than zeros. A page enters the map on
 * its first non-zero store and leaves it when a zero fill covers it entirely, so a 1 TiB
 * platform whose drivers touched 10 pages costs 10 arrays. Absent pages read as zeros: the
 * simulator makes no attempt to model the garbage a real page holds after boot.
 *
 * <p>Concurrency: the table is concurrent; stores to the same page from two threads race the way
 * two CPUs writing one page do (the last store of each byte wins).
 */
public final class SparseRam extends PagedMemory {
    private final long[] base;
    private final long[] end;
    private final PageTable<byte[]> pages;
    private final List<Memblock.Region> memory;

    public SparseRam(List<Memblock.Region> memory) {
        base = new long[memory.size()];
        end = new long[memory.size()];
        for (int i = 0; i < memory.size(); i++) {
            base[i] = memory.get(i).base();
            end[i] = memory.get(i).end();
        }
        this.memory = List.copyOf(memory);
        pages = new PageTable<>(memory);
    }

    /** An empty table for the pfns of this RAM (what the CPU cache keeps per page). */
    <T> PageTable<T> newTable() {
        return new PageTable<>(memory);
    }

    @Override
    public boolean isRam(long phys, long len) {
        if (len < 0 || phys < 0 || phys + len < phys) {
            return false;
        }
        int i = PageTable.floor(base, phys);
        if (i < 0 || phys >= end[i]) {
            return false;
        }
        // memblock keeps touching regions apart when their flags differ: walk across them.
        long at = end[i];
        long stop = phys + len;
        while (at < stop) {
            i++;
            if (i >= base.length || base[i] != at) {
                return false;
            }
            at = end[i];
        }
        return true;
    }

    @Override
    void check(String what, long phys, long len) {
        if (!isRam(phys, len)) {
            throw new IllegalArgumentException(String.format(
                "%s [mem %#018x-%#018x]: not RAM of this platform (expected: inside memblock.memory)", what, phys,
                phys + Math.max(len, 1) - 1));
        }
    }

    // ---- within one page, range already checked (also the CPU cache model's path to RAM) ----

    /** The page's bytes, or null while it reads as zeros. Callers must not keep or change it. */
    byte[] page(long pfn) {
        return pages.get(pfn);
    }

    @Override
    void readChunk(long pfn, int in, byte[] dst, int off, int n) {
        byte[] p = pages.get(pfn);
        if (p == null) {
            Arrays.fill(dst, off, off + n, (byte) 0);
        } else {
            System.arraycopy(p, in, dst, off, n);
        }
    }

    @Override
    void writeChunk(long pfn, int in, byte[] src, int off, int n) {
        byte[] p = pages.get(pfn);
        if (p == null && !allZero(src, off, n)) {
            p = pages.computeIfAbsent(pfn, k -> new byte[PAGE]);
        }
        if (p != null) {
            System.arraycopy(src, off, p, in, n);
        }
    }

    @Override
    boolean copiesPageToPage() {
        return true;
    }

    /** Page to page, as a read and a write would do it (zeros into an absent page keep it absent). */
    @Override
    void copyChunk(long dstPfn, int dstIn, long srcPfn, int srcIn, int n, int loadedLine, int dstFrom,
        int dstTo, int srcFrom, int srcTo) {
        byte[] p = pages.get(srcPfn);
        if (p != null) {
            writeChunk(dstPfn, dstIn, p, srcIn, n);
            return;
        }
        byte[] d = pages.get(dstPfn);
        if (d != null) {
            Arrays.fill(d, dstIn, dstIn + n, (byte) 0);
        }
    }

    @Override
    void fillChunk(long pfn, int in, int n, byte value) {
        if (value == 0 && n == PAGE) {
            pages.remove(pfn);
            return;
        }
        byte[] p = value == 0 ? pages.get(pfn) : pages.computeIfAbsent(pfn, k -> new byte[PAGE]);
        if (p != null) {
            Arrays.fill(p, in, in + n, value);
        }
    }

    @Override
    public long materialisedPages() {
        return pages.size();
    }

    static boolean allZero(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
