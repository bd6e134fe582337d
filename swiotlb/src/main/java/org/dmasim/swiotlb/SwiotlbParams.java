package org.dmasim.swiotlb;

import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Memparse;

/**
 * {@code setup_io_tlb_npages()}: {@code swiotlb=[<nslabs>][,<nareas>][,force|noforce]}. The slab
 * count is rounded up to a whole segment (128 slots); the area count goes through
 * {@code swiotlb_adjust_nareas()} at once, which prints "area num" and rounds a slab count that
 * is not a power of two up to one.
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
                    + " swiotlb=[<nslabs>][,<nareas>][,force|noforce]); Linux 6.1 ignores it");
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
        if (Long.bitCount(nslabs) != 1) {
            nslabs = Long.highestOneBit(nslabs) << 1;
            log.info("software IO TLB: SWIOTLB bounce buffer size roundup to " + ((nslabs << 11) >>> 20) + "MB");
        }
    }

    static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
