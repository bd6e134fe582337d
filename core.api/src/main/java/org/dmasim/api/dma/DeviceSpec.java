package org.dmasim.api.dma;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;

/**
 * A device created from Java or a script instead of a device-tree node (as a driver would
 * register a platform or PCI device): what {@code of_dma_configure} would otherwise read from
 * the tree.
 *
 * <p>A PCI device on a platform whose device tree has a PCI host bridge is configured the way
 * {@code pci_dma_configure} does it: {@code of_dma_configure} on the host bridge's node, so its
 * coherence and bus window come from that node ({@code dma-coherent}, {@code dma-ranges}); the
 * spec then must not claim other ones.
 *
 * @param name unique device name
 * @param bus PLATFORM or PCI (PCI devices get dma_parms: 64 KiB segments, 4 GiB boundary)
 * @param coherent {@code dma-coherent}
 * @param dmaRanges the parent bus's dma-ranges; empty = identity
 * @param memoryRegions names of /reserved-memory nodes, as {@code memory-region} would reference
 * @param hostBridge PCI only: the host bridge's platform device name (e.g. {@code 4010000000.pcie})
 *     or device-tree path; empty = the first PCI host bridge in the device tree, if any
 * @since 1.1
 */
public record DeviceSpec(String name, DmaDevice.Bus bus, boolean coherent, List<DmaRange> dmaRanges,
    List<String> memoryRegions, String hostBridge) {
    public DeviceSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("device name: '" + name + "' (expected: a non-empty name)");
        }
        dmaRanges = List.copyOf(dmaRanges);
        memoryRegions = List.copyOf(memoryRegions);
        hostBridge = hostBridge == null ? "" : hostBridge.strip();
        if (!hostBridge.isEmpty() && bus != DmaDevice.Bus.PCI) {
            throw new IllegalArgumentException("device " + name + ": host bridge " + hostBridge
                + " given for a " + bus.name().toLowerCase() + " device (expected: a host bridge for PCI devices only)");
        }
    }

    /** A spec without a host bridge choice (the 1.0 form). */
    public DeviceSpec(String name, DmaDevice.Bus bus, boolean coherent, List<DmaRange> dmaRanges,
        List<String> memoryRegions) {
        this(name, bus, coherent, dmaRanges, memoryRegions, "");
    }

    public static DeviceSpec platform(String name, boolean coherent) {
        return new DeviceSpec(name, DmaDevice.Bus.PLATFORM, coherent, List.of(), List.of());
    }

    /** A PCI device behind the platform's first PCI host bridge (or none, as on x86). */
    public static DeviceSpec pci(String name) {
        return new DeviceSpec(name, DmaDevice.Bus.PCI, false, List.of(), List.of());
    }
}
