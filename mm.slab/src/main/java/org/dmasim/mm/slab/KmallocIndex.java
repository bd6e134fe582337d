package org.dmasim.mm.slab;

import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;

/**
 * Which kmalloc cache serves a request ({@code mm/slab_common.c} and {@code include/linux/slab.h},
 * SLUB), with the kernel's differences from {@link SlabKernel}.
 *
 * <p>Size classes are indexed as {@code kmalloc_info[]} indexes them: index {@code i >= 3} is
 * {@code 2^i} bytes, index 1 is 96 and index 2 is 192 bytes. SLUB has them from
 * {@code KMALLOC_SHIFT_LOW} to {@code KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1} (8 KiB); anything
 * larger is {@code kmalloc_large}. {@code KMALLOC_MIN_SIZE} is ARCH_KMALLOC_MINALIGN where that is
 * above 8 (arm64 6.1: 128), else 8, and {@code KMALLOC_SHIFT_LOW} its log2.
 *
 * <p>Lookup ({@code kmalloc_slab}): a size up to 192 goes through {@code size_index[(size - 1) /
 * 8]}, larger ones to {@code fls(size - 1)}. {@code setup_kmalloc_cache_index_table()} bends the
 * table for a large minimum: sizes below KMALLOC_MIN_SIZE go to the smallest class, 72..96 to
 * 128 when KMALLOC_MIN_SIZE >= 64 (no kmalloc-96), 136..192 to 256 when it is >= 128 (no
 * kmalloc-192). From 6.5 on the caches are also aligned at boot ({@code __kmalloc_minalign()},
 * {@link #minalign}): a class whose size is not a multiple of it shares the cache of its size
 * aligned up ({@link #alignedIndex}: with 64, kmalloc-8 to -32 are kmalloc-64 and kmalloc-96 is
 * kmalloc-128).
 *
 * <p>Types ({@code kmalloc_type}): __GFP_DMA picks the {@code dma-kmalloc-*} caches (slabs from
 * ZONE_DMA), else __GFP_RECLAIMABLE the {@code kmalloc-rcl-*} ones, else __GFP_ACCOUNT the
 * {@code kmalloc-cg-*} ones (CONFIG_MEMCG_KMEM, CONFIG_MEMCG in 6.12, as Debian builds them), else
 * {@code kmalloc-*}.
 */
final class KmallocIndex {
    static final int KMALLOC_SHIFT_HIGH = Page.PAGE_SHIFT + 1;
    static final int KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH;

    /** The kmalloc cache types dmasim has (ZONE_DMA and MEMCG builds); their order is the kernel's ({@link SlabKernel#types}). */
    enum Type {
        NORMAL("kmalloc-"), CGROUP("kmalloc-cg-"), RECLAIM("kmalloc-rcl-"), DMA("dma-kmalloc-");

        final String prefix;

        Type(String prefix) {
            this.prefix = prefix;
        }
    }

    private static final byte[] SIZE_INDEX = {
        3, 4, 5, 5, 6, 6, 6, 6, // 8 .. 64
        1, 1, 1, 1, // 72 .. 96
        7, 7, 7, 7, // 104 .. 128
        2, 2, 2, 2, 2, 2, 2, 2, // 136 .. 192
    };

    /** {@code KMALLOC_MIN_SIZE}. */
    final int minSize;
    final int shiftLow;
    /** The alignment every cache has: {@code __kmalloc_minalign()} (6.1: KMALLOC_MIN_SIZE). */
    final int minalign;
    private final byte[] sizeIndex = SIZE_INDEX.clone();
    private final boolean zoneDma;
    private final SlabKernel kernel;

    /**
     * @param minSize KMALLOC_MIN_SIZE
     * @param minalign the alignment the caches get at boot, at least minSize
     * @param zoneDma CONFIG_ZONE_DMA: without it there are no dma-kmalloc caches and __GFP_DMA
     *     picks the normal ones
     */
    KmallocIndex(SlabKernel kernel, int minSize, int minalign, boolean zoneDma) {
        this.minSize = Math.max(8, minSize);
        if (Integer.bitCount(this.minSize) != 1 || this.minSize > 256) {
            throw new IllegalArgumentException("ARCH_KMALLOC_MINALIGN " + minSize
                + " (expected a power of two up to 256, as setup_kmalloc_cache_index_table's BUILD_BUG_ON says)");
        }
        if (Integer.bitCount(minalign) != 1 || minalign < this.minSize) {
            throw new IllegalArgumentException("kmalloc minimum alignment " + minalign + " (expected a power of two of at"
                + " least KMALLOC_MIN_SIZE " + this.minSize + ")");
        }
        this.kernel = kernel;
        this.minalign = minalign;
        this.shiftLow = Integer.numberOfTrailingZeros(this.minSize);
        this.zoneDma = zoneDma;
        for (int i = 8; i < this.minSize; i += 8) {
            int elem = elem(i);
            if (elem >= sizeIndex.length) {
                break;
            }
            sizeIndex[elem] = (byte) shiftLow;
        }
        if (this.minSize >= 64) {
            for (int i = 64 + 8; i <= 96; i += 8) {
                sizeIndex[elem(i)] = 7;
            }
        }
        if (this.minSize >= 128) {
            for (int i = 128 + 8; i <= 192; i += 8) {
                sizeIndex[elem(i)] = 8;
            }
        }
    }

    private static int elem(int bytes) {
        return (bytes - 1) / 8;
    }

    /** {@code kmalloc_slab}'s index for 1 <= size <= KMALLOC_MAX_CACHE_SIZE. */
    int index(int size) {
        if (size <= 192) {
            return sizeIndex[elem(size)];
        }
        return 32 - Integer.numberOfLeadingZeros(size - 1);
    }

    /** {@code kmalloc_type(flags)}. */
    Type type(int gfp) {
        if (zoneDma && (gfp & Gfp.__GFP_DMA) != 0) {
            return Type.DMA;
        }
        if ((gfp & Gfp.__GFP_RECLAIMABLE) != 0) {
            return Type.RECLAIM;
        }
        if ((gfp & Gfp.__GFP_ACCOUNT) != 0) {
            return Type.CGROUP;
        }
        return Type.NORMAL;
    }

    /** The types that have caches, in the kernel's {@code enum kmalloc_cache_type} order. */
    List<Type> types() {
        return kernel.types(zoneDma);
    }

    /** The size classes in the order {@code create_kmalloc_caches} asks {@code new_kmalloc_cache} for them. */
    List<Integer> created() {
        return kernel.createOrder(minSize);
    }

    /**
     * {@code new_kmalloc_cache}'s {@code aligned_idx}: the class whose cache serves class
     * {@code index}, its size aligned up to {@link #minalign} when that is above
     * ARCH_KMALLOC_MINALIGN.
     */
    int alignedIndex(int index) {
        if (minalign <= minSize) {
            return index;
        }
        int size = size(index);
        return kmallocIndex((size + minalign - 1) & -minalign);
    }

    /** {@code __kmalloc_index(size)} for a size of at most KMALLOC_MAX_CACHE_SIZE. */
    int kmallocIndex(int size) {
        if (size <= minSize) {
            return shiftLow;
        }
        if (minSize <= 32 && size > 64 && size <= 96) {
            return 1;
        }
        if (minSize <= 64 && size > 128 && size <= 192) {
            return 2;
        }
        return 32 - Integer.numberOfLeadingZeros(size - 1);
    }

    /** {@code kmalloc_info[i].size}. */
    static int size(int index) {
        return switch (index) {
            case 1 -> 96;
            case 2 -> 192;
            default -> 1 << index;
        };
    }

    /** {@code kmalloc_info[i].name[type]}: {@code kmalloc-8}, {@code dma-kmalloc-1k}. */
    static String name(Type type, int index) {
        int size = size(index);
        String shortName = size >= 1024 ? (size >> 10) + "k" : Integer.toString(size);
        return type.prefix + shortName;
    }
}
