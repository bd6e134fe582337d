package org.dmasim.mm.slab;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * What the kmalloc caches ({@code include/linux/slab.h}, {@code mm/slab_common.c}) do
 * differently per kernel version, in one place: one object per version, picked by the
 * platform's kernel ({@link #of}). Adding a kernel is adding a subclass and its entry in
 * {@link #BY_VERSION}.
 *
 * <ul>
 * <li>The minimum size and alignment. 6.1: {@code ARCH_KMALLOC_MINALIGN} is ARCH_DMA_MINALIGN
 *     where the architecture defines one above 8 (arm64: 128), so {@code KMALLOC_MIN_SIZE} is
 *     128 and no kmalloc object shares a cache line with another. 6.5 let arm64 define
 *     {@code ARCH_KMALLOC_MINALIGN} 8 ({@code asm/cache.h}) and added {@code __kmalloc_minalign()}:
 *     the caches are aligned at boot to {@code dma_get_cache_alignment()} (64, the cache line)
 *     unless CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC is set and a swiotlb was allocated
 *     ({@code is_swiotlb_allocated()}), in which case the small caches come back (8, 16, 32, 96)
 *     and dma-direct bounces small buffers of non-coherent devices instead. x86_64 has 8 in both.</li>
 * <li>The order of {@code enum kmalloc_cache_type}: 6.1 NORMAL, CGROUP, RECLAIM, DMA; 6.12 NORMAL,
 *     RECLAIM, DMA, CGROUP (CONFIG_RANDOM_KMALLOC_CACHES's copies would sit after NORMAL; they are
 *     not modelled).</li>
 * <li>{@code create_kmalloc_caches()}: 6.1 walks the powers of two and makes kmalloc-96 after
 *     kmalloc-64 and kmalloc-192 after kmalloc-128; 6.12 makes 96 and 192 first, then the powers
 *     of two, each at its size aligned up to the minimum alignment ({@code new_kmalloc_cache}: a
 *     class below it shares the cache of the aligned size). Caches are listed newest first in
 *     {@code /proc/slabinfo}, so the order shows.</li>
 * <li>{@code kmalloc_size_roundup()} above KMALLOC_MAX_SIZE (4 MiB): 6.1 whole pages, 6.12 the
 *     size as given.</li>
 * </ul>
 *
 * <p>The same in both: the size index table for KMALLOC_MIN_SIZE, {@code kmalloc_type()}'s
 * priorities, the slab orders ({@code calculate_order}: 6.8 dropped its min_objects loop and
 * accepts up to 1/2 waste, but every kmalloc size meets 1/16 at its first candidate order, so the
 * orders are 6.1's), and GFP_RECLAIM_MASK but for the __GFP_ATOMIC bit, which comes from the
 * kernel's {@link org.dmasim.api.mm.MmRules}.
 */
abstract class SlabKernel {
    /** {@code __alignof__(unsigned long long)}: ARCH_KMALLOC_MINALIGN and arch_slab_minalign() where nothing raises them. */
    static final int ALIGNOF_LONG_LONG = 8;
    /** {@code KMALLOC_MAX_SIZE}: the largest kmalloc, {@code 1 << (MAX_PAGE_ORDER + PAGE_SHIFT)}. */
    static final long KMALLOC_MAX_SIZE = Page.PAGE_SIZE << 10;

    private static final ByKernel<SlabKernel> BY_VERSION = ByKernel.of("mm.slab",
        Map.of("6.1", new V6_1(), "6.12", new V6_12()));

    static SlabKernel of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    /** {@code KMALLOC_MIN_SIZE} (= ARCH_KMALLOC_MINALIGN on the modelled architectures). */
    abstract int kmallocMinSize(ArchDma arch);

    /**
     * The alignment the caches get at boot: {@code __kmalloc_minalign()} from 6.5 on, the
     * compile-time minimum before.
     *
     * @param bounceUnalignedKmalloc CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC
     * @param swiotlbAllocated {@code is_swiotlb_allocated()} when {@code kmem_cache_init()} runs
     *     (after {@code mem_init()} set up the swiotlb)
     */
    abstract int kmallocMinalign(int kmallocMinSize, ArchDma arch, boolean bounceUnalignedKmalloc,
        boolean swiotlbAllocated);

    /** The cache types in {@code enum kmalloc_cache_type} order. */
    abstract List<KmallocIndex.Type> types(boolean zoneDma);

    /** The size classes in the order {@code create_kmalloc_caches()} calls {@code new_kmalloc_cache} for one type. */
    abstract List<Integer> createOrder(int kmallocMinSize);

    /** {@code kmalloc_size_roundup()} of a size above the caches. */
    abstract long roundupAboveCaches(long size);

    /** Linux 6.1: ARCH_KMALLOC_MINALIGN = ARCH_DMA_MINALIGN, no run-time alignment. */
    static final class V6_1 extends SlabKernel {
        @Override
        int kmallocMinSize(ArchDma arch) {
            return Math.max(ALIGNOF_LONG_LONG, arch.dmaMinalign());
        }

        @Override
        int kmallocMinalign(int kmallocMinSize, ArchDma arch, boolean bounceUnalignedKmalloc, boolean swiotlbAllocated) {
            return kmallocMinSize;
        }

        @Override
        List<KmallocIndex.Type> types(boolean zoneDma) {
            List<KmallocIndex.Type> out = new ArrayList<>(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.CGROUP,
                KmallocIndex.Type.RECLAIM));
            if (zoneDma) {
                out.add(KmallocIndex.Type.DMA);
            }
            return out;
        }

        @Override
        List<Integer> createOrder(int kmallocMinSize) {
            List<Integer> out = new ArrayList<>();
            for (int i = Integer.numberOfTrailingZeros(kmallocMinSize); i <= KmallocIndex.KMALLOC_SHIFT_HIGH; i++) {
                out.add(i);
                if (kmallocMinSize <= 32 && i == 6) {
                    out.add(1);
                }
                if (kmallocMinSize <= 64 && i == 7) {
                    out.add(2);
                }
            }
            return out;
        }

        @Override
        long roundupAboveCaches(long size) {
            return Page.PAGE_SIZE << Page.getOrder(size);
        }
    }

    /** Linux 6.12: ARCH_KMALLOC_MINALIGN 8 and __kmalloc_minalign(). */
    static final class V6_12 extends SlabKernel {
        @Override
        int kmallocMinSize(ArchDma arch) {
            return ALIGNOF_LONG_LONG;
        }

        @Override
        int kmallocMinalign(int kmallocMinSize, ArchDma arch, boolean bounceUnalignedKmalloc, boolean swiotlbAllocated) {
            int minalign = bounceUnalignedKmalloc && swiotlbAllocated ? kmallocMinSize : arch.cacheAlignment();
            return Math.max(minalign, ALIGNOF_LONG_LONG);
        }

        @Override
        List<KmallocIndex.Type> types(boolean zoneDma) {
            List<KmallocIndex.Type> out = new ArrayList<>(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.RECLAIM));
            if (zoneDma) {
                out.add(KmallocIndex.Type.DMA);
            }
            out.add(KmallocIndex.Type.CGROUP);
            return out;
        }

        @Override
        List<Integer> createOrder(int kmallocMinSize) {
            List<Integer> out = new ArrayList<>();
            if (kmallocMinSize <= 32) {
                out.add(1);
            }
            if (kmallocMinSize <= 64) {
                out.add(2);
            }
            for (int i = Integer.numberOfTrailingZeros(kmallocMinSize); i <= KmallocIndex.KMALLOC_SHIFT_HIGH; i++) {
                out.add(i);
            }
            return out;
        }

        @Override
        long roundupAboveCaches(long size) {
            return size <= KMALLOC_MAX_SIZE ? Page.PAGE_SIZE << Page.getOrder(size) : size;
        }
    }
}
