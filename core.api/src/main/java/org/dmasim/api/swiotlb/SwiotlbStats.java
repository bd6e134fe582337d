package org.dmasim.api.swiotlb;

import java.util.List;

/**
 * The state and counters of one bounce pool, as the kernel keeps them ({@code io_tlb_used}, each
 * area's {@code used} and {@code index}) plus what dmasim counts per device: the bounce copies and
 * their bytes.
 *
 * @param name the pool's debugfs name ({@code swiotlb}, or a restricted pool's node name)
 * @param start the first physical byte of the pool
 * @param nslabs slots in the pool
 * @param used slots in use ({@code io_tlb_used}: the areas' sum)
 * @param areas each area in index order
 * @param devices each device that mapped through the pool, in the order they first did
 * @since 2.1
 */
public record SwiotlbStats(String name, long start, long nslabs, long used, List<Area> areas,
    List<DeviceBounces> devices) {

    /**
     * One {@code struct io_tlb_area}.
     *
     * @param index the area's number
     * @param firstSlot its first slot ({@code index * area_nslabs})
     * @param nslabs its slots ({@code area_nslabs})
     * @param used its slots in use
     * @param cursor where its next search starts ({@code area->index}, relative to {@code firstSlot})
     */
    public record Area(int index, long firstSlot, long nslabs, long used, long cursor) {
    }

    /**
     * What one device bounced through the pool.
     *
     * @param device {@code dev_name()}
     * @param maps successful {@code swiotlb_tbl_map_single} calls
     * @param failedMaps maps that found no room (or no pool)
     * @param live bounce buffers mapped now
     * @param copiesToBounce copies from the original into the bounce buffer (map, sync for device)
     * @param bytesToBounce their bytes
     * @param copiesFromBounce copies from the bounce buffer back (sync for CPU, unmap)
     * @param bytesFromBounce their bytes
     */
    public record DeviceBounces(String device, long maps, long failedMaps, long live, long copiesToBounce,
        long bytesToBounce, long copiesFromBounce, long bytesFromBounce) {
    }
}
