package org.dmasim.swiotlb;

import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Memparse;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * {@code setup_io_tlb_npages()}: {@code swiotlb=[<nslabs>][,<nareas>][,force|noforce]}, and the
 * default pool size it leaves ({@code default_nslabs}, {@code default_nareas}) with the two
 * functions that change it before the pool is allocated. The slab count is rounded up to a whole
 * segment (128 slots); the area count goes through {@code swiotlb_adjust_nareas()} at once, which
 * prints "area num" and then {@code round_up_default_nslabs()}: at least one segment per area,
 * and a count that is not a power of two rounded up to one. {@code swiotlb_adjust_size()} lets
 * the architecture pick another default (arm64 from 6.7 on: 1 MiB per GiB when only kmalloc
 * bouncing needs the pool); a size the command line gave wins.
 */
final class SwiotlbParams {
    static final long IO_TLB_DEFAULT_SLABS = (64L << 20) >>> 11;
    static final long IO_TLB_SEGSIZE = 128;

    long nslabs = IO_TLB_DEFAULT_SLABS;
    int nareas;
    boolean force;
    boolean noforce;

    static SwiotlbParams parse(KernelCmdline cmdline, BootLog log) {
        SwiotlbParams p = new SwiotlbParams();
        for (KernelCmdline.Param param : cmdline.all("swiotlb")) {
            String s = param.value() == null ? "" : param.value();
            int i = 0;
            boolean understood = false;
            if (i < s.length() && Character.isDigit(s.charAt(i))) {
                Memparse.Result r = Memparse.strtoull(s, i);
                p.nslabs = align(r.value(), IO_TLB_SEGSIZE);
                i = r.end();
                understood = true;
            }
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
            if (i < s.length() && Character.isDigit(s.charAt(i))) {
                Memparse.Result r = Memparse.strtoull(s, i);
                p.adjustNareas((int) Math.min(r.value(), 1 << 20), log);
                i = r.end();
                understood = true;
            }
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
            String rest = s.substring(i);
            if (rest.equals("force")) {
                p.force = true;
            } else if (rest.equals("noforce")) {
                p.noforce = true;
            } else if (!rest.isEmpty() || !understood) {
                log.dmasim("warning: swiotlb=" + s + ": '" + rest + "' is not understood (format"
                    + " swiotlb=[<nslabs>][,<nareas>][,force|noforce]); Linux ignores it");
            }
        }
        return p;
    }

    /** {@code swiotlb_adjust_nareas()}. */
    void adjustNareas(int n, BootLog log) {
        if (n == 0) {
            n = 1;
        }
        if (Integer.bitCount(n) != 1) {
            n = Integer.highestOneBit(n) << 1;
        }
        nareas = n;
        log.info("software IO TLB: area num " + n + ".");
        if (roundUpDefaultNslabs()) {
            log.info("software IO TLB: SWIOTLB bounce buffer size roundup to " + ((nslabs << SwiotlbPool.IO_TLB_SHIFT) >>> 20)
                + "MB");
        }
    }

    /**
     * {@code round_up_default_nslabs()}: once the areas are known, at least one segment per area,
     * and a slab count that is not a power of two rounded up to one. Whether it changed anything.
     */
    boolean roundUpDefaultNslabs() {
        if (nareas == 0) {
            return false;
        }
        if (nslabs < IO_TLB_SEGSIZE * nareas) {
            nslabs = IO_TLB_SEGSIZE * nareas;
        } else if (Long.bitCount(nslabs) == 1) {
            return false;
        }
        nslabs = Long.highestOneBit(nslabs - 1) << 1;
        return true;
    }

    /** {@code swiotlb_size_or_default()}: the pool's bytes as things stand. */
    long sizeOrDefault() {
        return nslabs << SwiotlbPool.IO_TLB_SHIFT;
    }

    /**
     * {@code swiotlb_adjust_size(size)}: unless the command line sized the pool, the default
     * becomes {@code size} in whole segments (then rounded as the areas require), announced as
     * "SWIOTLB bounce buffer size adjusted to NMB" (N rounded down: 960 MiB of RAM prints 0MB).
     */
    void adjustSize(long size, BootLog log) {
        if (nslabs != IO_TLB_DEFAULT_SLABS) {
            return;
        }
        size = align(size, 1L << SwiotlbPool.IO_TLB_SHIFT);
        nslabs = align(size >>> SwiotlbPool.IO_TLB_SHIFT, IO_TLB_SEGSIZE);
        if (roundUpDefaultNslabs()) {
            size = nslabs << SwiotlbPool.IO_TLB_SHIFT;
        }
        log.info("software IO TLB: SWIOTLB bounce buffer size adjusted to " + (size >>> 20) + "MB");
    }

    /** {@code limit_nareas()}: no more areas than whole segments in a pool of {@code slots}. */
    static int limitNareas(int nareas, long slots) {
        return slots < (long) nareas * IO_TLB_SEGSIZE ? (int) (slots / IO_TLB_SEGSIZE) : nareas;
    }

    static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
