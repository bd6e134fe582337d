package org.dmasim.dmapool;

import java.util.Arrays;

/**
 * Where the blocks of one backing chunk lie. Every chunk of a pool has the same layout, so it
 * is computed once, at {@code dma_pool_create}, by running the kernel's own placement loop.
 *
 * <pre>
 *   chunk (allocation bytes), boundary B, block size S
 *   |blk0|blk1|...|blkk|  gap  |blk0|blk1|...|blkk|  gap  |...
 *   ^0                  ^B                        ^2B
 * </pre>
 *
 * A block never crosses a multiple of B: the loop skips to the next boundary instead. Linux
 * 6.1 ({@code pool_initialise_page}) chains {@code next = offset + S} unless
 * {@code next + S >= next_boundary}; the {@code >=} also skips a block that would end
 * <em>exactly</em> on the boundary, so 64-byte blocks in a 4 KiB chunk give 63, not 64. It
 * keeps placing while {@code offset < allocation}, so with B larger than the chunk and S not
 * dividing it the last block runs past the chunk's end (a real 6.1 bug the simulator keeps).
 * Linux 6.4 places while {@code offset + S <= allocation} and skips when
 * {@code offset + S > next_boundary} (64 blocks of 64 bytes).
 *
 * <p>Because every boundary segment starts a fresh run, block {@code j} of segment {@code k}
 * sits at {@code k*B + j*S}; {@link #indexOf} inverts that with shifts when S and B are powers
 * of two (the common case) and checks the answer against the offset table.
 */
final class BlockLayout {
    final int size;
    final int allocation;
    final int boundary;
    /** Block offsets, ascending; index = block number within a chunk. */
    final int[] offsets;
    /** 6.1: the link the last block of a fresh chain holds (the first offset past the chunk). */
    final int chainEnd;
    private final int perSegment;
    private final int sizeShift;
    private final int boundaryShift;

    private BlockLayout(int size, int allocation, int boundary, int[] offsets, int chainEnd) {
        this.size = size;
        this.allocation = allocation;
        this.boundary = boundary;
        this.offsets = offsets;
        this.chainEnd = chainEnd;
        int inFirst = 0;
        while (inFirst < offsets.length && offsets[inFirst] < boundary) {
            inFirst++;
        }
        this.perSegment = inFirst;
        this.sizeShift = shiftOf(size);
        this.boundaryShift = shiftOf(boundary);
    }

    private static int shiftOf(int v) {
        return Integer.bitCount(v) == 1 ? Integer.numberOfTrailingZeros(v) : -1;
    }

    /** 6.1 {@code pool_initialise_page}: the offset chain with the {@code >=} comparison. */
    static BlockLayout v6_1(int size, int allocation, int boundary) {
        int[] out = new int[16];
        int n = 0;
        long offset = 0;
        long nextBoundary = boundary;
        do {
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = (int) offset;
            long next = offset + size;
            if (next + size >= nextBoundary) {
                next = nextBoundary;
                nextBoundary += boundary;
            }
            offset = next;
        } while (offset < allocation);
        return new BlockLayout(size, allocation, boundary, Arrays.copyOf(out, n), (int) offset);
    }

    /** 6.4+ {@code pool_initialise_page}: blocks that fit, skipping to the next boundary. */
    static BlockLayout v6_4(int size, int allocation, int boundary) {
        int[] out = new int[16];
        int n = 0;
        long offset = 0;
        long nextBoundary = boundary;
        while (offset + size <= allocation) {
            if (offset + size > nextBoundary) {
                offset = nextBoundary;
                nextBoundary += boundary;
                continue;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = (int) offset;
            offset += size;
        }
        return new BlockLayout(size, allocation, boundary, Arrays.copyOf(out, n), (int) offset);
    }

    int blocks() {
        return offsets.length;
    }

    /** True when the last block ends beyond the chunk (the 6.1 overrun described above). */
    boolean overruns() {
        return (long) offsets[offsets.length - 1] + size > allocation;
    }

    /** The block number starting at {@code offset} (0 &lt;= offset &lt; allocation), or -1. */
    int indexOf(int offset) {
        int seg;
        int within;
        if (boundaryShift >= 0) {
            seg = offset >>> boundaryShift;
            within = offset & (boundary - 1);
        } else {
            seg = offset / boundary;
            within = offset - seg * boundary;
        }
        int j;
        if (sizeShift >= 0) {
            if ((within & (size - 1)) != 0) {
                return -1;
            }
            j = within >>> sizeShift;
        } else {
            j = within / size;
            if (j * size != within) {
                return -1;
            }
        }
        long idx = (long) seg * perSegment + j;
        if (idx >= offsets.length || offsets[(int) idx] != offset) {
            return -1;
        }
        return (int) idx;
    }
}
