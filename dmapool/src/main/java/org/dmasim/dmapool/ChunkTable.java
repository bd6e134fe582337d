package org.dmasim.dmapool;

/**
 * {@code pool_find_page}: which backing chunk holds a bus address. The kernel walks its page
 * list; here every 4 KiB frame a chunk's bus range touches is a key of an open-addressing
 * table (frame + 1, 0 = empty) whose value is the chunk number, so a free costs one probe
 * instead of a walk. Chunks are never freed before the pool is destroyed, so nothing is ever
 * removed. A frame shared by two chunks (possible only for chunks not aligned to 4 KiB) keeps
 * its first owner; callers check the range and fall back to the walk on a mismatch.
 */
final class ChunkTable {
    private static final int FRAME_SHIFT = 12;
    private long[] keys = new long[16];
    private int[] values = new int[16];
    private int used;

    void add(int chunk, long dma, long length) {
        long first = dma >>> FRAME_SHIFT;
        long last = (dma + length - 1) >>> FRAME_SHIFT;
        for (long f = first; f <= last; f++) {
            if ((used + 1) * 2 > keys.length) {
                grow();
            }
            insert(f + 1, chunk);
        }
    }

    /** The chunk whose frame holds dma, or -1 (the caller still checks the chunk's range). */
    int find(long dma) {
        long key = (dma >>> FRAME_SHIFT) + 1;
        int mask = keys.length - 1;
        for (int i = slot(key, mask);; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    private void insert(long key, int chunk) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask);; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return;
            }
            if (keys[i] == 0) {
                keys[i] = key;
                values[i] = chunk;
                used++;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                insert(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int slot(long key, int mask) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }
}
