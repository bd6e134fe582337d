package org.dmasim.mm.buddy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Page;

/** A small sparse {@link PhysMemory} over a node's memory ranges, for zeroing and migration tests. */
final class TestMemory implements PhysMemory {
    private final List<PfnRange> ram;
    private final Map<Long, byte[]> pages = new HashMap<>();
    int fills;
    int copies;

    TestMemory(List<PfnRange> ram) {
        this.ram = ram;
    }

    private void check(long phys, long len) {
        if (!isRam(phys, len)) {
            throw new IllegalArgumentException(String.format("[%#x, +%#x) is not RAM", phys, len));
        }
    }

    private byte get(long a) {
        byte[] p = pages.get(a >>> Page.PAGE_SHIFT);
        return p == null ? 0 : p[(int) (a & (Page.PAGE_SIZE - 1))];
    }

    private void put(long a, byte v) {
        byte[] p = pages.get(a >>> Page.PAGE_SHIFT);
        if (p == null) {
            if (v == 0) {
                return;
            }
            p = new byte[(int) Page.PAGE_SIZE];
            pages.put(a >>> Page.PAGE_SHIFT, p);
        }
        p[(int) (a & (Page.PAGE_SIZE - 1))] = v;
    }

    @Override
    public void read(long phys, byte[] dst, int off, int len) {
        check(phys, len);
        for (int i = 0; i < len; i++) {
            dst[off + i] = get(phys + i);
        }
    }

    @Override
    public void write(long phys, byte[] src, int off, int len) {
        check(phys, len);
        for (int i = 0; i < len; i++) {
            put(phys + i, src[off + i]);
        }
    }

    @Override
    public void fill(long phys, long len, byte value) {
        check(phys, len);
        fills++;
        for (long i = 0; i < len; i++) {
            put(phys + i, value);
        }
    }

    @Override
    public void copy(long dstPhys, long srcPhys, long len) {
        check(dstPhys, len);
        check(srcPhys, len);
        copies++;
        byte[] tmp = new byte[(int) len];
        for (int i = 0; i < len; i++) {
            tmp[i] = get(srcPhys + i);
        }
        for (int i = 0; i < len; i++) {
            put(dstPhys + i, tmp[i]);
        }
    }

    @Override
    public boolean isRam(long phys, long len) {
        for (PfnRange r : ram) {
            if (phys >= Page.pfnPhys(r.startPfn()) && phys + len <= Page.pfnPhys(r.endPfn())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long materialisedPages() {
        return pages.size();
    }
}
