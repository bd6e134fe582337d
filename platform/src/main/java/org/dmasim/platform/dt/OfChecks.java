package org.dmasim.platform.dt;

import java.util.Optional;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * The rules a parsed tree must meet before the boot reads addresses out of it. A tree can be
 * well-formed (dtc accepts it) and still hold values that the kernel's address code cannot use:
 * Linux 6.1 reads {@code reg}, {@code ranges} and {@code dma-ranges} as tuples whose cell counts
 * come from {@code #address-cells}/{@code #size-cells} ({@code of_n_addr_cells},
 * {@code of_read_number}, {@code early_init_dt_scan_memory} with {@code dt_root_addr_cells}),
 * and trusts them: a count of 0 for both makes {@code early_init_dt_scan_memory} loop forever, an
 * address count above {@code OF_MAX_ADDR_CELLS} (4) makes {@code of_translate_address} give up,
 * and trailing cells of a property are silently ignored. dmasim refuses such trees up front, in
 * the words of dtc's own {@code reg_format}/{@code ranges_format} checks, so that nothing later
 * reads garbage. Each message is {@code <file>: <node path>: <rule>}; for DTS the file is
 * {@code file:line:column} of the property.
 *
 * <p>Cell counts are read as the Devicetree Specification and dtc define them: from the parent
 * alone, 2 and 1 when absent (Linux 6.1 would inherit a grandparent's value instead, a quirk
 * later kernels warn about).
 */
public final class OfChecks {
    /** {@code OF_MAX_ADDR_CELLS} of drivers/of/address.c. */
    static final int OF_MAX_ADDR_CELLS = 4;
    /** Sizes are u64 in every consumer ({@code of_read_number}, {@code dt_mem_next_cell}). */
    static final int MAX_SIZE_CELLS = 2;
    /**
     * {@code MAX_FDT_SIZE} of arch/arm64/include/asm/boot.h: {@code fixmap_remap_fdt} maps at most
     * this much, and {@code setup_machine_fdt} stops the boot on a larger blob.
     */
    static final long MAX_FDT_SIZE = 2L << 20;

    /** Names where a node or property was written: the file, or {@code file:line:column} for DTS. */
    @FunctionalInterface
    public interface Locator {
        String locate(Object nodeOrProperty);

        static Locator of(String file) {
            return what -> file;
        }
    }

    private OfChecks() {
    }

    /**
     * @param blobSize the size of the flattened tree (for DTS: of the blob it compiles to)
     * @throws DeviceTreeException naming the file, the node and the rule
     */
    public static void check(DeviceTree tree, String file, long blobSize, Locator where) {
        if (blobSize > MAX_FDT_SIZE) {
            throw new DeviceTreeException(file + ": the flattened tree is " + blobSize + " bytes; arm64 Linux maps at"
                + " most 2 MiB of device tree (MAX_FDT_SIZE) and stops the boot on a larger one");
        }
        tree.walk(node -> checkNode(node, where));
    }

    private static void checkNode(DtNode node, Locator where) {
        long ac = cellCount(node, "#address-cells", where);
        long sc = cellCount(node, "#size-cells", where);
        if (ac > OF_MAX_ADDR_CELLS) {
            throw error(node, "#address-cells", where, "#address-cells = <" + cells(ac) + ">: more than OF_MAX_ADDR_CELLS ("
                + OF_MAX_ADDR_CELLS + "), the most the kernel's address translation takes (of_translate_address gives"
                + " up on the bus)");
        }
        if (sc > MAX_SIZE_CELLS) {
            throw error(node, "#size-cells", where, "#size-cells = <" + cells(sc) + ">: a size is at most " + MAX_SIZE_CELLS
                + " cells (64 bits; Linux would silently drop the higher cells)");
        }
        if (node.parent() == null) {
            // dt_root_addr_cells/dt_root_size_cells give every memory and /reserved-memory entry.
            if (ac == 0 || sc == 0) {
                String which = ac == 0 ? "#address-cells" : "#size-cells";
                throw error(node, which, where, which + " = <0> on the root: memory and /reserved-memory regs are"
                    + " read in the root's cells and need at least one of each"
                    + (ac == 0 && sc == 0 ? " (with both 0, Linux's early_init_dt_scan_memory never finishes)" : ""));
            }
        } else {
            DtNode parent = node.parent();
            checkTuples(node, "reg", where, parent.addressCells(), parent.sizeCells(), parent);
            if (node.property("device_type").map(DtProperty::string).orElse("").equals("memory")) {
                checkTuples(node, "linux,usable-memory", where, parent.addressCells(), parent.sizeCells(), parent);
            }
        }
        int pna = node.parent() == null ? 2 : node.parent().addressCells();
        for (String ranges : new String[] {"ranges", "dma-ranges"}) {
            checkRanges(node, ranges, where, (int) ac, pna, (int) sc);
        }
    }

    /** A cell value as dtc prints it: small ones in decimal, others in hex. */
    private static String cells(long v) {
        return v < 10 ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    /** The value of a cell-count property (its default when absent); it must be exactly one cell. */
    private static long cellCount(DtNode node, String name, Locator where) {
        Optional<DtProperty> p = node.property(name);
        if (p.isEmpty()) {
            return name.equals("#address-cells") ? 2 : 1;
        }
        if (p.get().length() != 4) {
            throw error(node, name, where, name + " has " + p.get().length() + " bytes; it must be one 32-bit cell");
        }
        return p.get().u32();
    }

    /** {@code reg}-like: a whole number of (address, size) tuples in the parent's cells. */
    private static void checkTuples(DtNode node, String name, Locator where, int ac, int sc, DtNode parent) {
        Optional<DtProperty> p = node.property(name);
        if (p.isEmpty() || p.get().isEmpty()) {
            return;
        }
        int entry = (ac + sc) * 4;
        if (entry == 0) {
            throw error(node, name, where, "'" + name + "' has " + p.get().length() + " bytes, but " + parent.path()
                + " gives its children #address-cells = <0> and #size-cells = <0>: there is no address to read");
        }
        if (p.get().length() % entry != 0) {
            throw error(node, name, where, "'" + name + "' has " + p.get().length() + " bytes, not a whole number of "
                + entry + "-byte entries (#address-cells = <" + ac + ">, #size-cells = <" + sc + "> of "
                + parent.path() + "); Linux would silently ignore the bytes left over");
        }
    }

    /** {@code ranges}/{@code dma-ranges}: (child address, parent address, size) tuples. */
    private static void checkRanges(DtNode node, String name, Locator where, int ac, int pna, int sc) {
        Optional<DtProperty> p = node.property(name);
        if (p.isEmpty() || p.get().isEmpty()) {
            return;
        }
        int entry = (ac + pna + sc) * 4;
        if (entry == 0 || p.get().length() % entry != 0) {
            throw error(node, name, where, "'" + name + "' has " + p.get().length() + " bytes, not a whole number of "
                + entry + "-byte entries (#address-cells = <" + ac + "> of this node, <" + pna
                + "> of its parent, #size-cells = <" + sc + ">); Linux would silently ignore the bytes left over");
        }
    }

    private static DeviceTreeException error(DtNode node, String property, Locator where, String rule) {
        Object at = node.property(property).map(p -> (Object) p).orElse(node);
        return new DeviceTreeException(where.locate(at) + ": " + node.path() + ": " + rule);
    }
}
