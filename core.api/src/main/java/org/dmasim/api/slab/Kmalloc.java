package org.dmasim.api.slab;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.mm.Gfp;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A platform's kmalloc ({@code include/linux/slab.h}, SLUB, as the platform's kernel has it):
 * small requests come from the kmalloc caches (a size class per power of two from the minimum
 * alignment, {@link #minAlign()}, to 8 KiB, plus 96 and 192 bytes where that alignment allows
 * them), larger ones straight from the page allocator ({@code kmalloc_large}:
 * {@code 2^get_order(size)} pages). Every address is
 * a linear-map (kernel virtual) address; CPU accesses to it go through
 * {@link org.dmasim.api.mem.KernelVm} and so through the CPU cache, and a driver maps it for DMA
 * with its physical address ({@code virt_to_phys}).
 *
 * <p>Misuse gets the kernel's reaction where the kernel notices (a WARN or BUG line in the
 * platform's log) and a {@code dmasim:} line where it would not; either way the call is refused
 * with an {@link IllegalArgumentException} carrying the message, and nothing changes.
 */
@ProviderType
public interface Kmalloc {
    /** {@code ZERO_SIZE_PTR}: what {@code kmalloc(0)} returns; kfree and ksize accept it. */
    long ZERO_SIZE_PTR = 16;

    /**
     * {@code kmalloc(size, flags)}: the object's linear-map address, {@link #ZERO_SIZE_PTR} for
     * size 0, or 0 (NULL) when the allocation failed (the kernel's failure messages are logged).
     * {@code __GFP_ZERO} zeroes the whole object through the CPU.
     *
     * @throws IllegalArgumentException for a negative size
     */
    long kmalloc(long size, int gfp);

    /** {@code kzalloc(size, flags)}. */
    default long kzalloc(long size, int gfp) {
        return kmalloc(size, gfp | Gfp.__GFP_ZERO);
    }

    /**
     * {@code kfree(objp)}; NULL and {@link #ZERO_SIZE_PTR} do nothing.
     *
     * @throws IllegalArgumentException for an address that is no live kmalloc object (double
     *     free, not a kmalloc address, not an object's start), with the message the platform
     *     logged; nothing changes
     */
    void kfree(long objp);

    /**
     * {@code ksize(objp)}: the bytes usable at objp, the object size of its cache (or the pages of
     * a large kmalloc); 0 for NULL and ZERO_SIZE_PTR.
     *
     * @throws IllegalArgumentException for an address that is no kmalloc memory (the kernel WARNs
     *     and returns 0)
     */
    long ksize(long objp);

    /** What the kmalloc memory holding addr is, if it is live kmalloc memory. */
    Optional<KmallocObject> lookup(long addr);

    /**
     * The alignment of every kmalloc object, which is also the smallest size class: Linux 6.1's
     * {@code ARCH_KMALLOC_MINALIGN} (arm64: ARCH_DMA_MINALIGN, 128); from 6.5 on
     * {@code __kmalloc_minalign()}, the DMA cache alignment unless small kmalloc buffers are
     * bounced for DMA (arm64 with a swiotlb: 8).
     */
    int minAlign();

    /**
     * {@code kmalloc_size_roundup(size)}: the bytes {@code kmalloc(size)} really hands out (its
     * size class; whole pages above the caches), 0 for 0.
     *
     * @throws IllegalArgumentException for a negative size
     * @since 1.1
     */
    long sizeRoundup(long size);

    /** The kmalloc caches, in {@code /proc/slabinfo} order (newest first). */
    List<KmallocCache> caches();

    /** {@code /proc/slabinfo} as the kernel prints it, with the kmalloc caches only. */
    String slabinfo();

    /** Live {@code kmalloc_large} allocations and the pages they hold. */
    LargeStats large();

    /** Live large allocations and pages. */
    record LargeStats(long allocations, long pages) {
    }
}
