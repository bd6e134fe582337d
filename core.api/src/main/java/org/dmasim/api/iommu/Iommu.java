package org.dmasim.api.iommu;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A platform's IOMMUs at run time, as the IOMMU core and its driver show them to users
 * ({@code /sys/kernel/iommu_groups}, debugfs, the kernel log): the groups and their default
 * domains, each domain's IOVA space and page tables, the fault log, the IOTLB and invalidation
 * counters, and the simulated clock the flush queues run on. An IOMMU backend offers one per
 * platform it translates for (service property {@code dmasim.platform}).
 *
 * @since 2.1
 */
@ProviderType
public interface Iommu {
    /** The IOMMU units, as the kernel names them ({@code arm-smmu-v3 9050000.smmuv3}). */
    List<String> units();

    /** Every IOMMU group, by id. */
    List<IommuGroupInfo> groups();

    /** The group of a device, empty when no IOMMU translates for it. */
    Optional<IommuGroupInfo> group(DmaDevice dev);

    /**
     * Reads {@code /sys/kernel/iommu_groups/<group>/type}: {@code DMA}, {@code DMA-FQ},
     * {@code identity}, ... (without the newline).
     *
     * @throws IllegalArgumentException for a group that does not exist
     */
    String readGroupType(int group);

    /**
     * Writes {@code /sys/kernel/iommu_groups/<group>/type} ({@code DMA}, {@code DMA-FQ},
     * {@code identity} or {@code auto}), with the kernel's rules: one device in the group, no
     * driver bound (except DMA to DMA-FQ), the value known. A new domain replaces the old one
     * for new work; the old one drains (its mappings keep working until unmapped).
     *
     * @return what the write returned (the byte count, or a negative errno) and what the kernel
     *     printed
     * @throws IllegalArgumentException for a group that does not exist
     */
    TypeWrite writeGroupType(int group, String value);

    /** The answer of {@link #writeGroupType}. */
    record TypeWrite(long result, List<String> printed) {
        public TypeWrite {
            printed = List.copyOf(printed);
        }
    }

    /** Every live domain (the groups' current ones and those still draining). */
    List<IommuDomainInfo> domains();

    /**
     * The page-table entries that map {@code [iova, iova + size)} in the device's domain, one
     * line per leaf, and the walk of {@code iova} level by level.
     *
     * @throws IllegalArgumentException when no DMA domain translates for the device
     */
    List<String> pageTable(DmaDevice dev, long iova, long size);

    /** The IOVA ranges allocated in the device's domain, lowest first, one line each. */
    List<String> iovaRanges(DmaDevice dev);

    /** Every fault line the IOMMUs' event handling printed, oldest first (what the kernel log shows). */
    List<String> faultLog();

    /** IOTLB, invalidation, fault and flush-queue counters, all units together. */
    IommuCounters counters();

    /** Simulated time of the flush queues' timers, in nanoseconds since boot. */
    long now();

    /**
     * Lets simulated time pass: flush-queue timers that expire on the way fire (each 10 ms after
     * its first queued IOVA), invalidating and freeing what lazy unmaps queued.
     *
     * @return the number of timers that fired
     * @throws IllegalArgumentException for a negative time
     */
    int advance(long nanos);
}
