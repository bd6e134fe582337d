package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaRange;
import org.dmasim.api.dt.DmaRanges;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.BootLog;

/**
 * {@code of_dma_configure_id} (drivers/of/device.c) with {@code of_dma_get_range} and
 * {@code of_dma_is_coherent} (drivers/of/address.c), Linux 6.1, for callers that always force
 * DMA ({@code platform_dma_configure}, {@code pci_dma_configure}):
 * <ol>
 * <li>The node to start the range search from: a device's own node hands over to its parent
 *     ({@code __of_get_dma_parent}); PCI passes its host bridge's node, which is searched
 *     itself.</li>
 * <li>{@code of_dma_get_range}: walk up from there to the first non-empty {@code dma-ranges};
 *     an empty one means "no translation here, keep looking", and once a node was passed, a node
 *     without the property ends the search (-ENODEV). Entries whose CPU side does not translate
 *     are skipped with the kernel's message; none left is -EINVAL. Both errors leave the device
 *     with the defaults below. A PCI bus node's entries start with a flags cell.</li>
 * <li>Bounds: lowest bus start to highest bus end; an odd size is a mask written as a size
 *     (warned and +1); no ranges: the coherent mask + 1. {@code end = start + size - 1}.</li>
 * <li>Both masks are ANDed with {@code DMA_BIT_MASK(ilog2(end) + 1)}; the range map and
 *     {@code bus_dma_limit = end} only come with valid dma-ranges.</li>
 * <li>Coherence: the nearest {@code dma-coherent} or {@code dma-noncoherent} from the node up,
 *     else the arch default ({@code dma_default_coherent}).</li>
 * </ol>
 * The device's IOMMU ({@code of_iommu_configure}) is not part of this.
 */
final class OfDmaConfigure {
    /** What {@code of_dma_configure_id} leaves in the device. */
    record DmaConfig(boolean coherent, List<DmaRange> ranges, long busDmaLimit, long dmaMask, long coherentMask) {
    }

    private final BootLog log;
    private final boolean defaultCoherent;

    OfDmaConfigure(BootLog log, boolean defaultCoherent) {
        this.log = log;
        this.defaultCoherent = defaultCoherent;
    }

    /**
     * @param devLabel {@code dev_driver_string dev_name}, the prefix of the device's messages
     * @param np the node passed to {@code of_dma_configure}
     * @param ownNode whether {@code np} is the device's own node (else a PCI host bridge's)
     * @param dmaMask {@code *dev->dma_mask} as the bus code set it
     * @param coherentMask {@code dev->coherent_dma_mask} as the bus code set it
     */
    DmaConfig configure(String devLabel, DtNode np, boolean ownNode, long dmaMask, long coherentMask) {
        DtNode busNp = ownNode ? np.parent() : np;
        return apply(devLabel, dmaGetRange(busNp), isCoherent(np), dmaMask, coherentMask);
    }

    /**
     * Steps 3 and 4 for a range map already decoded (from the tree, or from a spec standing in for
     * the firmware).
     */
    DmaConfig apply(String devLabel, List<DmaRange> map, boolean coherent, long dmaMask, long coherentMask) {
        long dmaStart = 0;
        long size = 0;
        if (!map.isEmpty()) {
            dmaStart = -1L;
            long dmaEnd = 0;
            for (DmaRange r : map) {
                if (Long.compareUnsigned(r.dmaStart(), dmaStart) < 0) {
                    dmaStart = r.dmaStart();
                }
                if (Long.compareUnsigned(r.dmaStart() + r.size(), dmaEnd) > 0) {
                    dmaEnd = r.dmaStart() + r.size();
                }
            }
            size = dmaEnd - dmaStart;
            if ((size & 1) != 0) {
                log.warn(devLabel + ": " + String.format("Invalid size 0x%x for dma-range(s)", size));
                size++;
            }
            if (size == 0) {
                // of_dma_configure fails with -EINVAL: the device keeps what the bus code gave it.
                log.err(devLabel + ": " + String.format("Adjusted size 0x%x invalid", size));
                return new DmaConfig(defaultCoherent, List.of(), 0, dmaMask, coherentMask);
            }
        }
        if (size == 0) {
            size = coherentMask != 0 ? Math.max(coherentMask, coherentMask + 1) : 1L << 32;
        }
        long end = dmaStart + size - 1;
        long mask = DmaAddress.bitMask(64 - Long.numberOfLeadingZeros(end));
        return new DmaConfig(coherent, map, map.isEmpty() ? 0 : end, dmaMask & mask, coherentMask & mask);
    }

    /** {@code of_dma_get_range}: the bus regions, or empty for -ENODEV / -EINVAL. */
    private List<DmaRange> dmaGetRange(DtNode start) {
        boolean passed = false;
        DtNode node = start;
        Optional<DtProperty> ranges = Optional.empty();
        while (node != null) {
            ranges = node.property("dma-ranges");
            if (ranges.isPresent() && !ranges.get().isEmpty()) {
                break;
            }
            if (passed && ranges.isEmpty()) {
                return List.of();
            }
            passed = true;
            node = node.parent();
        }
        if (node == null || ranges.isEmpty()) {
            return List.of();
        }
        return parse(node, ranges.get());
    }

    /**
     * {@code for_each_of_range} over a {@code dma-ranges}: (bus address, parent address, size)
     * entries, the parent side translated to CPU physical; contiguous entries with the same flags
     * merge into one region.
     */
    private List<DmaRange> parse(DtNode node, DtProperty p) {
        boolean pci = isPciBus(node);
        int na = node.addressCells();
        int pna = node.parent() == null ? 2 : node.parent().addressCells();
        int ns = node.sizeCells();
        int flagCells = pci ? 1 : 0;
        int per = na + pna + ns;
        List<DmaRange> out = new ArrayList<>();
        long lastFlags = 0;
        for (int at = 0; per > flagCells && at + per <= p.cellCount(); at += per) {
            long flags = pci ? p.cell(at) : 0;
            long bus = OfBusId.read(p, at + flagCells, na - flagCells);
            long cpu = DmaRanges.translate(node.parent(), OfBusId.read(p, at + na, pna));
            long size = OfBusId.read(p, at + na + pna, ns);
            if (cpu == DmaRanges.BAD_ADDR) {
                log.err(String.format("OF: translation of DMA address(%x) to CPU address failed node(%s)", bus,
                    node.path()));
                continue;
            }
            if (!out.isEmpty() && flags == lastFlags) {
                DmaRange last = out.get(out.size() - 1);
                if (last.dmaStart() + last.size() == bus && last.cpuStart() + last.size() == cpu) {
                    out.set(out.size() - 1, new DmaRange(last.cpuStart(), last.dmaStart(), last.size() + size));
                    continue;
                }
            }
            out.add(new DmaRange(cpu, bus, size));
            lastFlags = flags;
        }
        return out;
    }

    /** {@code of_bus_pci_match}: a node whose children are PCI devices. */
    static boolean isPciBus(DtNode node) {
        String type = node.property("device_type").map(DtProperty::string).orElse("");
        return type.equals("pci") || type.equals("pciex");
    }

    /** {@code of_dma_is_coherent}. */
    boolean isCoherent(DtNode np) {
        for (DtNode n = np; n != null; n = n.parent()) {
            if (n.has("dma-coherent")) {
                return true;
            }
            if (n.has("dma-noncoherent")) {
                return false;
            }
        }
        return defaultCoherent;
    }
}
