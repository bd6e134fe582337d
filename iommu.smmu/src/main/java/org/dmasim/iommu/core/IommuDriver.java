package org.dmasim.iommu.core;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.iommu.dma.IommuDomain;

/**
 * {@code struct iommu_ops} as the IOMMU core uses it: what one IOMMU unit's driver does for the
 * devices behind it. The SMMUv3 driver is one; a VT-d driver would be another behind the same core
 * and the same dma-iommu.
 */
public interface IommuDriver {
    /** The unit as the kernel's messages name it ({@code arm-smmu-v3 9050000.smmuv3}). */
    String unitName();

    /**
     * {@code of_iommu_configure} + {@code probe_device}: the device's handle on this unit, or null
     * when the firmware does not put it behind this unit.
     */
    Master probeDevice(DmaDevice dev);

    /** {@code release_device}: the device's streams go back to the no-domain state. */
    void releaseDevice(Master m);

    /** {@code domain_alloc} of DMA, DMA_FQ or IDENTITY (finalised for this unit). */
    DriverDomain allocDomain(DomainType type);

    /** {@code attach_dev}: the master's streams now use the domain. */
    void attach(DriverDomain d, Master m);

    /**
     * A device access through the unit's hardware: the physical address, or a fault the
     * hardware recorded (thrown as {@link org.dmasim.api.dma.BusFault} with what happened).
     */
    long translate(Master m, long iova, boolean write);

    /** The event handler ({@code arm_smmu_evtq_thread}): the lines it prints for what the hardware recorded. */
    List<String> processEvents();

    /**
     * Hardware counters, in this order: translations, IOTLB hits, IOTLB misses, stale hits,
     * faults (events), aborted accesses, TLBI_NH_VA, TLBI_NH_ASID, CMD_SYNC.
     */
    long[] hardwareCounters();

    /** Gives everything back (queues, stream tables); the unit translates nothing any more. */
    void shutdown();

    /** A device's handle on the unit ({@code dev_iommu_priv}). */
    interface Master {
        String device();
    }

    /** A domain of this unit: dma-iommu's view plus what the shell shows. */
    interface DriverDomain extends IommuDomain {
        /** The address space ID the hardware tags its IOTLB entries with; 0 for identity. */
        int asid();

        /** Page-table pages held. */
        long tablePages();

        /** The leaves mapping [iova, iova + size), then the walk of iova. */
        List<String> dump(long iova, long size);

        /**
         * Where the domain's own page tables send a device access ({@code iova_to_phys} plus the
         * leaf's permission): the physical address, or -1 when nothing maps {@code iova} there or
         * the leaf forbids the access. For a domain its group has left, which still holds mappings
         * the device may reach until they are unmapped.
         */
        long accessThroughTables(long iova, boolean write);

        /** A DMA domain becomes DMA_FQ in place ({@code prev_dom->type = IOMMU_DOMAIN_DMA_FQ}). */
        void setType(DomainType type);

        /** {@code domain_free}: page tables and ASID back. */
        void free();
    }
}
