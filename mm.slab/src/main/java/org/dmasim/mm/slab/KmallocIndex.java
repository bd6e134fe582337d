package org.dmasim.mm.slab;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;

/**
 * Which kmalloc cache serves a request (6.1 {@code mm/slab_common.c} and
 * {@code include/linux/slab.h}, SLUB).
 *
 * <p>Size classes are indexed as {@code kmalloc_info[]} indexes them: index {@code i >= 3} is
 * {@code 2^i} bytes, index 1 is 96 and index 2 is 192 bytes. SLUB has them from
 * {@code KMALLOC_SHIFT_LOW} to {@code KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1} (8 KiB); anything
 * larger is {@code kmalloc_large}. {@code KMALLOC_MIN_SIZE} is {@code ARCH_DMA_MINALIGN} when the
 * architecture defines one above 8 (arm64: 128), else 8, and {@code KMALLOC_SHIFT_LOW} its log2.
 *
 * <p>Lookup ({@code kmalloc_slab}): a size up to 192 goes through {@code size_index[(size - 1) /
 * 8]}, larger ones to {@code fls(size - 1)}. {@code setup_kmalloc_cache_index_table()} bends the
 * table for a large minimum: sizes below KMALLOC_MIN_SIZE go to the smallest class, 72..96 to
 * 128 when KMALLOC_MIN_SIZE >= 64 (no kmalloc-96), 136..192 to 256 when it is >= 128 (no
 * kmalloc-192).
 *
 * <p>Types ({@code kmalloc_type}): __GFP_DMA picks the {@code dma-kmalloc-*} caches (slabs from
 * ZONE_DMA), else __GFP_RECLAIMABLE the {@code kmalloc-rcl-*} ones, else __GFP_ACCOUNT the
 * {@code kmalloc-cg-*} ones (CONFIG_MEMCG_KMEM, as Debian builds it), else {@code kmalloc-*}.
 */
final class KmallocIndex {
    static final int KMALLOC_SHIFT_HIGH = Page.PAGE_SHIFT + 1;
    static final int KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH;

    /** {@code enum kmalloc_cache_type} of 6.1 with ZONE_DMA and MEMCG_KMEM, in its order. */
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

    final int minSize;
    final int shiftLow;
    private final byte[] sizeIndex = SIZE_INDEX.clone();
    private final boolean zoneDma;

    /**
     * {@code ARCH_KMALLOC_MINALIGN} ({@code include/linux/slab.h}, 6.1): ARCH_DMA_MINALIGN where the
     * architecture defines one above 8 (arm64: 128, so no kmalloc buffer shares a cache line with
     * another), else {@code __alignof__(unsigned long long)} = 8 (x86_64). In 6.1
     * {@code dma_get_cache_alignment()} is ARCH_DMA_MINALIGN where it is defined and 1 elsewhere,
     * so it gives the answer. (6.5 separated the two: arm64's kmalloc minimum became 8 while the
     * DMA alignment became the cache line, with swiotlb bouncing small kmalloc buffers.)
     */
    static int archKmallocMinalign(int dmaCacheAlignment) {
        return Math.max(8, dmaCacheAlignment);
    }

    /**
     * @param minAlign ARCH_KMALLOC_MINALIGN
     * @param zoneDma CONFIG_ZONE_DMA: without it there are no dma-kmalloc caches and __GFP_DMA
     *     picks the normal ones
     */
    KmallocIndex(int minAlign, boolean zoneDma) {
        this.minSize = Math.max(8, minAlign);
        if (Integer.bitCount(minSize) != 1 || minSize > 256) {
            throw new IllegalArgumentException("ARCH_KMALLOC_MINALIGN " + minAlign
                + " (expected a power of two up to 256, as setup_kmalloc_cache_index_table's BUILD_BUG_ON says)");
        }
        this.shiftLow = Integer.numberOfTrailingZeros(minSize);
        this.zoneDma = zoneDma;
        for (int i = 8; i < minSize; i += 8) {
            int elem = elem(i);
            if (elem >= sizeIndex.length) {
                break;
            }
            sizeIndex[elem] = (byte) shiftLow;
        }
        if (minSize >= 64) {
            for (int i = 64 + 8; i <= 96; i += 8) {
                sizeIndex[elem(i)] = 7;
            }
        }
        if (minSize >= 128) {
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

    /** The types that have caches. */
    List<Type> types() {
        List<Type> out = new ArrayList<>(List.of(Type.NORMAL, Type.CGROUP, Type.RECLAIM));
        if (zoneDma) {
            out.add(Type.DMA);
        }
        return out;
    }

    /**
     * The indexes {@code create_kmalloc_caches} creates for one type, in creation order: the
     * powers of two from KMALLOC_SHIFT_LOW up, kmalloc-96 right after kmalloc-64 when
     * KMALLOC_MIN_SIZE <= 32, kmalloc-192 right after kmalloc-128 when it is <= 64.
     */
    List<Integer> created() {
        List<Integer> out = new ArrayList<>();
        for (int i = shiftLow; i <= KMALLOC_SHIFT_HIGH; i++) {
            out.add(i);
            if (minSize <= 32 && i == 6) {
                out.add(1);
            }
            if (minSize <= 64 && i == 7) {
                out.add(2);
            }
        }
        return out;
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
