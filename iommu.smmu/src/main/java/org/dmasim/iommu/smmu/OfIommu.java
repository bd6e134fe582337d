package org.dmasim.iommu.smmu;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * Stream IDs from the device tree, Linux 6.1: a platform device's {@code iommus} property
 * ({@code of_iommu_configure} → {@code of_iommu_xlate}, one ID per specifier with
 * {@code #iommu-cells = <1>}) and a PCI requester ID through its host bridge's {@code iommu-map}
 * ({@code of_map_id}, drivers/of/base.c).
 */
public final class OfIommu {
    private OfIommu() {
    }

    /**
     * The stream IDs {@code dev}'s {@code iommus} property gives it on {@code smmu}: one per
     * {@code <&smmu sid>} specifier naming that SMMU (specifiers of other IOMMUs are skipped).
     * Empty when the device has no {@code iommus} (it is not behind an IOMMU).
     *
     * @throws IllegalArgumentException when a specifier is cut short or names a phandle with no
     *     node, or the SMMU's {@code #iommu-cells} is not 1
     */
    public static int[] iommusSids(DtNode dev, DtNode smmu) {
        DtProperty p = dev.property("iommus").orElse(null);
        if (p == null) {
            return new int[0];
        }
        long smmuPhandle = smmu.phandle().orElseThrow(() -> new IllegalArgumentException(smmu.path()
            + ": the SMMU node has no phandle, nothing can refer to it"));
        DtNode root = root(dev);
        List<Integer> out = new ArrayList<>();
        int at = 0;
        while (at < p.cellCount()) {
            long ph = p.cell(at);
            DtNode target = byPhandle(root, ph);
            if (target == null) {
                throw new IllegalArgumentException(String.format("%s: iommus: phandle 0x%x at cell %d names no node",
                    dev.path(), ph, at));
            }
            int cells = (int) target.property("#iommu-cells").map(DtProperty::u32).orElseThrow(
                () -> new IllegalArgumentException(target.path() + ": missing #iommu-cells property (needed by "
                    + dev.path() + " iommus)")).longValue();
            if (at + 1 + cells > p.cellCount()) {
                throw new IllegalArgumentException(String.format("%s: iommus: specifier at cell %d needs %d cells,"
                    + " only %d left", dev.path(), at, cells, p.cellCount() - at - 1));
            }
            if (ph == smmuPhandle) {
                if (cells != 1) {
                    throw new IllegalArgumentException(String.format("%s: invalid #iommu-cells value (%d)",
                        target.path(), cells));
                }
                out.add((int) p.cell(at + 1));
            }
            at += 1 + cells;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code of_map_id(bridge, rid, "iommu-map", "iommu-map-mask", ...)}: the stream ID of
     * requester ID {@code rid}. Empty when the map is malformed (the kernel's error is logged);
     * with no map, or no entry covering the ID, the ID passes through untranslated (logged at
     * info level in the latter case).
     */
    public static OptionalInt mapId(DtNode hostBridge, int rid, Consumer<String> log) {
        DtProperty map = hostBridge.property("iommu-map").orElse(null);
        if (map == null) {
            return OptionalInt.of(rid);
        }
        if (map.length() == 0 || map.length() % 16 != 0) {
            log.accept(String.format("%s: Error: Bad %s length: %d", hostBridge.path(), "iommu-map", map.length()));
            return OptionalInt.empty();
        }
        long mask = hostBridge.property("iommu-map-mask").map(DtProperty::u32).orElse(0xffffffffL);
        long maskedId = rid & mask & 0xffffffffL;
        DtNode root = root(hostBridge);
        for (int i = 0; i < map.cellCount(); i += 4) {
            long idBase = map.cell(i);
            long phandle = map.cell(i + 1);
            long outBase = map.cell(i + 2);
            long len = map.cell(i + 3);
            if ((idBase & ~mask & 0xffffffffL) != 0) {
                log.accept(String.format("%s: Invalid %s translation - %s-mask (0x%x) ignores id-base (0x%x)",
                    hostBridge.path(), "iommu-map", "iommu-map", mask, idBase));
                return OptionalInt.empty();
            }
            if (maskedId < idBase || maskedId >= idBase + len) {
                continue;
            }
            if (byPhandle(root, phandle) == null) {
                return OptionalInt.empty(); // of_find_node_by_phandle fails: -ENODEV
            }
            return OptionalInt.of((int) (maskedId - idBase + outBase));
        }
        // the second %pOF is the caller's target node, still NULL for of_iommu_configure
        log.accept(String.format("%s: no %s translation for id 0x%x on (null)", hostBridge.path(), "iommu-map", rid));
        return OptionalInt.of(rid);
    }

    private static DtNode root(DtNode n) {
        while (n.parent() != null) {
            n = n.parent();
        }
        return n;
    }

    private static DtNode byPhandle(DtNode n, long phandle) {
        if (n.phandle().map(p -> p == phandle).orElse(false)) {
            return n;
        }
        for (DtNode c : n.children()) {
            DtNode f = byPhandle(c, phandle);
            if (f != null) {
                return f;
            }
        }
        return null;
    }
}
