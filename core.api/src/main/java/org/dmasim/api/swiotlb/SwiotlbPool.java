package org.dmasim.api.swiotlb;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A swiotlb bounce pool ({@code struct io_tlb_mem}): the default one ({@code io_tlb_default_mem},
 * the service the swiotlb backend offers) or a {@code restricted-dma-pool} of the device tree
 * ({@link #restricted}). Slots of {@value #IO_TLB_SIZE} bytes, segments of
 * {@value #IO_TLB_SEGSIZE} slots, areas searched next-fit from a cursor each, under a lock each.
 *
 * <p>The run-time calls are those of {@code kernel/dma/swiotlb.c} that dma-direct makes:
 * {@link #tblMapSingle} finds slots and copies the original buffer into them,
 * {@link #tblUnmapSingle} copies back as the direction asks and frees them, the syncs copy one
 * way each ({@code swiotlb_sync_single_for_device/cpu}). The copies are the CPU's
 * ({@code memcpy} through the linear map, so through the CPU cache); the architecture's cache
 * maintenance around them is the caller's, as in dma-direct. What the kernel prints (the full
 * pool, sanity warnings) goes to the platform's log.
 */
@ProviderType
public interface SwiotlbPool {
    /** IO_TLB_SHIFT: 2 KiB slots. */
    int IO_TLB_SHIFT = 11;
    /** IO_TLB_SIZE: bytes per slot. @since 2.1 */
    int IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
    /** IO_TLB_SEGSIZE: slots per segment. */
    int IO_TLB_SEGSIZE = 128;
    /** {@code DMA_MAPPING_ERROR}, what {@link #tblMapSingle} returns when it maps nothing. @since 2.1 */
    long MAPPING_ERROR = -1L;

    /** Physical start; meaningless when {@link #nslabs()} is 0. */
    long start();

    /** Exclusive physical end. */
    long end();

    /** Slots in the pool; 0 when no pool was allocated. */
    long nslabs();

    /** {@code mem->force_bounce}: {@code swiotlb=force} (or a restricted pool): every mapping bounces. */
    boolean forceBounce();

    /**
     * The pool's debugfs directory: {@code swiotlb} for the default pool, the reserved-memory
     * node's name for a restricted one.
     *
     * @since 2.1
     */
    String name();

    /** {@code mem->nareas}: areas, each searched under its own lock. @since 2.1 */
    int nareas();

    /** {@code is_swiotlb_buffer}: whether {@code phys} lies in the pool. @since 2.1 */
    default boolean isSwiotlbBuffer(long phys) {
        return nslabs() > 0 && Long.compareUnsigned(phys, start()) >= 0 && Long.compareUnsigned(phys, end()) < 0;
    }

    /**
     * {@code swiotlb_tbl_map_single}: slots for {@code allocSize} bytes (plus the offset the
     * device's {@code min_align_mask} keeps) in the area of the calling thread's simulated CPU
     * first, then the others; each slot remembers its part of {@code origAddr}; then
     * {@code mappingSize} bytes are copied from the original into the bounce buffer, whatever the
     * direction.
     *
     * @return the bounce buffer's physical address, or {@link #MAPPING_ERROR} (after the kernel's
     *     warning: the pool is full, there is no pool, or the sizes are invalid)
     * @throws IllegalArgumentException for a size of 0 (the kernel's {@code BUG_ON(!nslots)}):
     *     nothing changes
     */
    long tblMapSingle(DmaDevice dev, long origAddr, long mappingSize, long allocSize, long allocAlignMask,
        DmaDirection dir, long attrs);

    /**
     * {@code swiotlb_tbl_unmap_single}: unless DMA_ATTR_SKIP_CPU_SYNC, a FROM_DEVICE or
     * BIDIRECTIONAL mapping is copied back to the original first; then the slots are freed.
     *
     * @throws IllegalArgumentException when {@code tlbAddr} is not a bounce buffer of this pool
     *     that is mapped: nothing changes
     */
    void tblUnmapSingle(DmaDevice dev, long tlbAddr, long mappingSize, DmaDirection dir, long attrs);

    /** {@code swiotlb_sync_single_for_device}: TO_DEVICE and BIDIRECTIONAL copy the original into the bounce buffer. */
    void syncSingleForDevice(DmaDevice dev, long tlbAddr, long size, DmaDirection dir);

    /** {@code swiotlb_sync_single_for_cpu}: FROM_DEVICE and BIDIRECTIONAL copy the bounce buffer back. */
    void syncSingleForCpu(DmaDevice dev, long tlbAddr, long size, DmaDirection dir);

    /**
     * The {@code restricted-dma-pool} made from the reserved-memory node of that name, set up the
     * first time a device asks for it ({@code rmem_swiotlb_device_init}); empty when the device tree
     * has no such pool. One per region, whichever swiotlb instance serves.
     *
     * @since 2.1
     */
    Optional<SwiotlbPool> restricted(String rmemName);

    /** The restricted pools set up so far. @since 2.1 */
    List<SwiotlbPool> restrictedPools();

    /**
     * {@code /sys/kernel/debug/swiotlb} as 6.1 fills it, file path (relative to that directory) to
     * content: {@code io_tlb_nslabs} and {@code io_tlb_used} of the default pool, and a directory per
     * restricted pool set up (whose {@code io_tlb_used}, in 6.1, reads the default pool's count).
     *
     * @since 2.1
     */
    Map<String, String> debugfs();

    /** This pool's counters now: slots in use, each area's use and cursor, what each device bounced. @since 2.1 */
    SwiotlbStats stats();

    /**
     * A copy of the free-run counter of every slot ({@code mem->slots[i].list}): the free slots from
     * each slot to the next used one or the end of its segment, 0 for a used slot. For checks.
     *
     * @since 2.1
     */
    int[] freeRuns();
}
