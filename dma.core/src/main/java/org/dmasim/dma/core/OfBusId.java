package org.dmasim.dma.core;

import java.util.Optional;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * Device names as {@code of_device_make_bus_id} (drivers/of/platform.c, 6.1) makes them, and the
 * {@code of_translate_address} walk they rest on.
 *
 * <p>From the node upwards, the first node whose first {@code reg} address translates to a CPU
 * address ends the name: {@code "<addr>.<name>"} ({@code %llx.%pOFn}: hex without 0x, the node
 * name without its unit address), or {@code "<addr>.<bit>.<name>"} when that node has a
 * {@code mask} property, {@code bit = ffs(mask) - 1} (the lowest set bit; {@code register-bit-led}
 * children of one register differ only there). Every node passed on the way up without a
 * translatable address prepends its full name (with unit address) and a ':'; reaching the root
 * leaves just those names, e.g. {@code dma-test-bus:dma-test-dr}.
 *
 * <p>Translation ({@code __of_translate_address}): the address is read with the parent's
 * {@code #address-cells}; every bus between the node and the root must have a {@code ranges}
 * property (empty = 1:1) containing the address, else the address is {@code OF_BAD_ADDR}. The
 * cell counts must be sane at each level ({@code OF_CHECK_COUNTS}: 1..4 address cells, size
 * cells above 0).
 */
final class OfBusId {
    /** {@code OF_BAD_ADDR}. */
    static final long OF_BAD_ADDR = -1L;
    private static final int OF_MAX_ADDR_CELLS = 4;

    private OfBusId() {
    }

    /** {@code of_device_make_bus_id}. */
    static String make(DtNode node) {
        String name = null;
        for (DtNode n = node; n.parent() != null; n = n.parent()) {
            long addr = translateReg(n);
            if (addr != OF_BAD_ADDR) {
                String head = Long.toHexString(addr) + maskBit(n).map(bit -> "." + Integer.toHexString(bit)).orElse("")
                    + "." + n.baseName();
                return name == null ? head : head + ":" + name;
            }
            name = name == null ? n.name() : n.name() + ":" + name;
        }
        return name;
    }

    /**
     * {@code of_property_read_u32(node, "mask")} succeeded: {@code ffs(mask) - 1} ({@code %x}, so
     * a mask of 0 prints ffffffff).
     */
    private static Optional<Integer> maskBit(DtNode n) {
        Optional<DtProperty> p = n.property("mask");
        if (p.isEmpty() || p.get().length() < 4) {
            return Optional.empty();
        }
        long mask = p.get().cell(0);
        return Optional.of(mask == 0 ? -1 : Long.numberOfTrailingZeros(mask));
    }

    /** {@code of_translate_address(node, reg)} of the node's first address, or OF_BAD_ADDR. */
    static long translateReg(DtNode node) {
        Optional<DtProperty> reg = node.property("reg");
        DtNode parent = node.parent();
        if (reg.isEmpty() || parent == null) {
            return OF_BAD_ADDR;
        }
        int na = parent.addressCells();
        if (!countsOk(na, parent.sizeCells()) || reg.get().length() < na * 4) {
            return OF_BAD_ADDR;
        }
        return translate(parent, read(reg.get(), 0, na), na);
    }

    /**
     * The size of the node's first {@code reg} entry (read with the parent's cell counts), or 0
     * when there is none.
     */
    static long firstRegSize(DtNode node) {
        Optional<DtProperty> reg = node.property("reg");
        DtNode parent = node.parent();
        if (reg.isEmpty() || parent == null) {
            return 0;
        }
        int na = parent.addressCells();
        int ns = parent.sizeCells();
        if (!countsOk(na, ns) || reg.get().length() < (na + ns) * 4) {
            return 0;
        }
        return read(reg.get(), na, ns);
    }

    /**
     * Walks an address given in {@code bus}'s child address space up to the root through each
     * bus's {@code ranges}.
     */
    private static long translate(DtNode bus, long addr, int na) {
        long a = addr;
        for (DtNode b = bus; b.parent() != null; b = b.parent()) {
            DtNode up = b.parent();
            int pna = up.addressCells();
            if (!countsOk(pna, up.sizeCells())) {
                return OF_BAD_ADDR;
            }
            Optional<DtProperty> ranges = b.property("ranges");
            if (ranges.isEmpty()) {
                return OF_BAD_ADDR;
            }
            if (!ranges.get().isEmpty()) {
                int ns = b.sizeCells();
                int per = na + pna + ns;
                long mapped = OF_BAD_ADDR;
                for (int at = 0; at + per <= ranges.get().cellCount(); at += per) {
                    long child = read(ranges.get(), at, na);
                    long parentAddr = read(ranges.get(), at + na, pna);
                    long size = read(ranges.get(), at + na + pna, ns);
                    if (Long.compareUnsigned(a, child) >= 0 && Long.compareUnsigned(a - child, size) < 0) {
                        mapped = parentAddr + (a - child);
                        break;
                    }
                }
                if (mapped == OF_BAD_ADDR) {
                    return OF_BAD_ADDR;
                }
                a = mapped;
            }
            na = pna;
        }
        return a;
    }

    /** {@code OF_CHECK_COUNTS(na, ns)}. */
    private static boolean countsOk(int na, int ns) {
        return na > 0 && na <= OF_MAX_ADDR_CELLS && ns > 0;
    }

    /**
     * {@code of_read_number}: cells as one number; only the low 64 bits count, as in the kernel's
     * u64 arithmetic (a 3-cell PCI address keeps its mid and low cells).
     */
    static long read(DtProperty p, int at, int cells) {
        long v = 0;
        for (int i = 0; i < cells; i++) {
            v = (v << 32) | p.cell(at + i);
        }
        return v;
    }
}
