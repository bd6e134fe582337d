package org.dmasim.dmapool;

import org.dmasim.api.mem.PhysMemory;

/** Test RAM: one bank of bytes at {@link #BASE}. */
final class FakeRam implements PhysMemory {
    static final long BASE = 0x4000_0000L;
    final byte[] bytes;

    FakeRam(int size) {
        bytes = new byte[size];
    }

    private int at(long phys, long len) {
        if (!isRam(phys, len)) {
            throw new IllegalArgumentException(String.format("phys [%#x, %#x) is not RAM", phys, phys + len));
        }
        return (int) (phys - BASE);
    }

    @Override
    public void read(long phys, byte[] dst, int off, int len) {
        System.arraycopy(bytes, at(phys, len), dst, off, len);
    }

    @Override
    public void write(long phys, byte[] src, int off, int len) {
        System.arraycopy(src, off, bytes, at(phys, len), len);
    }

    @Override
    public void fill(long phys, long len, byte value) {
        int from = at(phys, len);
        java.util.Arrays.fill(bytes, from, from + (int) len, value);
    }

    @Override
    public void copy(long dstPhys, long srcPhys, long len) {
        System.arraycopy(bytes, at(srcPhys, len), bytes, at(dstPhys, len), (int) len);
    }

    @Override
    public boolean isRam(long phys, long len) {
        return len >= 0 && phys >= BASE && phys + len <= BASE + bytes.length;
    }

    @Override
    public long materialisedPages() {
        return bytes.length / 4096;
    }
}
