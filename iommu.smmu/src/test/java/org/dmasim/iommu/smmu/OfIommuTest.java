package org.dmasim.iommu.smmu;

import static org.dmasim.testing.Dt.cells;
import static org.dmasim.testing.Dt.node;
import static org.dmasim.testing.Dt.props;
import static org.dmasim.testing.Dt.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.dmasim.api.dt.DtNode;
import org.dmasim.testing.Dt;
import org.junit.jupiter.api.Test;

/**
 * Stream IDs from firmware. The PCI host bridge and SMMU nodes are those of QEMU's
 * {@code -M virt,iommu=smmuv3} tree (a64-4G-smmuv3.dts): {@code iommu-map = <0x0 0x8004 0x0 0x10000>}.
 */
class OfIommuTest {
    private static DtNode qemuBridge(long... map) {
        DtNode smmu = node("smmuv3@9050000", props(cells("phandle", 0x8004), cells("#iommu-cells", 1),
            string("compatible", "arm,smmu-v3")));
        DtNode pcie = node("pcie@10000000", props(cells("iommu-map", map), cells("#address-cells", 3),
            cells("#size-cells", 2), string("device_type", "pci"), string("compatible", "pci-host-ecam-generic")));
        Dt.root(smmu, pcie);
        return pcie;
    }

    @Test
    void eduAt00_02_0GetsSid0x10() {
        DtNode pcie = qemuBridge(0, 0x8004, 0, 0x10000);
        List<String> log = new ArrayList<>();
        assertEquals(OptionalInt.of(0x10), OfIommu.mapId(pcie, (0 << 8) | (2 << 3), log::add));
        assertEquals(List.of(), log);
    }

    @Test
    void badLengthMaskAndNoTranslation() {
        List<String> log = new ArrayList<>();
        DtNode bad = qemuBridge(0, 0x8004, 0);
        assertEquals(OptionalInt.empty(), OfIommu.mapId(bad, 0x10, log::add));
        assertEquals("/pcie@10000000: Error: Bad iommu-map length: 12", log.get(0));

        log.clear();
        DtNode masked = node("pcie@10000000", props(cells("iommu-map", 0x100, 0x8004, 0, 0x100),
            cells("iommu-map-mask", 0xff)));
        Dt.root(masked);
        assertEquals(OptionalInt.empty(), OfIommu.mapId(masked, 0x10, log::add));
        assertEquals("/pcie@10000000: Invalid iommu-map translation - iommu-map-mask (0xff) ignores id-base (0x100)",
            log.get(0));

        log.clear();
        DtNode narrow = qemuBridge(0x0, 0x8004, 0x0, 0x8);
        assertEquals(OptionalInt.of(0x10), OfIommu.mapId(narrow, 0x10, log::add), "untranslated");
        assertEquals("/pcie@10000000: no iommu-map translation for id 0x10 on (null)", log.get(0));
    }

    @Test
    void platformDeviceIommus() {
        DtNode smmu = node("smmuv3@9050000", props(cells("phandle", 0x8004), cells("#iommu-cells", 1)));
        DtNode dev = node("dev@a000000", props(cells("iommus", 0x8004, 0x20, 0x8004, 0x21)));
        DtNode plain = node("dev@a001000", props());
        DtNode cut = node("dev@a002000", props(cells("iommus", 0x8004)));
        Dt.root(smmu, dev, plain, cut);
        assertArrayEquals(new int[] {0x20, 0x21}, OfIommu.iommusSids(dev, smmu));
        assertArrayEquals(new int[0], OfIommu.iommusSids(plain, smmu));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OfIommu.iommusSids(cut, smmu));
        assertEquals("/dev@a002000: iommus: specifier at cell 0 needs 1 cells, only 0 left", e.getMessage());
    }
}
