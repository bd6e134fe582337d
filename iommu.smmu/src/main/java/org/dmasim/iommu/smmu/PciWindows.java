package org.dmasim.iommu.smmu;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * {@code iova_reserve_pci_windows} (dma-iommu.c, 6.1): the IOVA ranges a PCI device's DMA domain
 * keeps out, because on the PCI side those bus addresses belong to the host bridge: every memory
 * window of the bridge ({@code ranges} entries of space 32- or 64-bit memory, as bus addresses),
 * and, when the bridge has {@code dma-ranges}, everything outside them (below the first, between
 * two, above the last). Platform devices reserve nothing (SMMUv3 reports only its software MSI
 * window, which dma-iommu skips).
 */
final class PciWindows {
    /** {@code phys.hi} space code bits 25:24: 1 I/O, 2 32-bit memory, 3 64-bit memory. */
    private static final int SPACE_MEM32 = 2;
    private static final int SPACE_MEM64 = 3;

    private PciWindows() {
    }

    /** The ranges, each {@code [first, last]} in bytes, lowest first. */
    static List<long[]> reserved(DmaDevice dev, DeviceTree dt) {
        if (dev.bus() != DmaDevice.Bus.PCI) {
            return List.of();
        }
        Optional<DtNode> bridge = dev.pciHostBridge().flatMap(dt::find);
        if (bridge.isEmpty()) {
            return List.of();
        }
        DtNode b = bridge.get();
        int parentCells = b.parent() == null ? 2 : b.parent().addressCells();
        List<long[]> out = new ArrayList<>();
        b.property("ranges").ifPresent(p -> {
            for (long[] e : DtNode.entries(p, 1, 2, parentCells, b.sizeCells())) {
                int space = (int) (e[0] >>> 24) & 3;
                if ((space == SPACE_MEM32 || space == SPACE_MEM64) && e[3] != 0) {
                    out.add(new long[] {e[1], e[1] + e[3] - 1});
                }
            }
        });
        Optional<DtProperty> dmaRanges = b.property("dma-ranges");
        if (dmaRanges.isPresent() && !dmaRanges.get().isEmpty()) {
            List<long[]> windows = new ArrayList<>();
            for (long[] e : DtNode.entries(dmaRanges.get(), 1, 2, parentCells, b.sizeCells())) {
                windows.add(new long[] {e[1], e[1] + e[3] - 1});
            }
            windows.sort(Comparator.comparingLong((long[] w) -> w[0]));
            long start = 0;
            for (long[] w : windows) {
                if (Long.compareUnsigned(w[0], start) > 0) {
                    out.add(new long[] {start, w[0]});
                }
                start = w[1] + 1;
            }
            if (start != 0) {
                out.add(new long[] {start, -1L});
            }
        }
        out.sort(Comparator.comparingLong((long[] w) -> w[0]));
        return out;
    }
}
