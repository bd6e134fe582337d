package org.dmasim.api.dma;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;

/**
 * A device created from Java or a script instead of a device-tree node (as a driver would
 * register a platform or PCI device): what {@code of_dma_configure} would otherwise read from
 * the tree.
 *
 * @param name unique device name
 * @param bus PLATFORM or PCI (PCI devices get dma_parms: 64 KiB segments, 4 GiB boundary)
 * @param coherent {@code dma-coherent}
 * @param dmaRanges the parent bus's dma-ranges; empty = identity
 * @param memoryRegions names of /reserved-memory nodes, as {@code memory-region} would reference
 */
public record DeviceSpec(String name, DmaDevice.Bus bus, boolean coherent, List<DmaRange> dmaRanges,
    List<String> memoryRegions) {
    public DeviceSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("device name: '" + name + "' (expected: a non-empty name)");
        }
        dmaRanges = List.copyOf(dmaRanges);
        memoryRegions = List.copyOf(memoryRegions);
    }

    public static DeviceSpec platform(String name, boolean coherent) {
        return new DeviceSpec(name, DmaDevice.Bus.PLATFORM, coherent, List.of(), List.of());
    }
}
