package org.dmasim.arch.arm64;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * {@code unflatten_device_tree()} and {@code of_alias_scan()} (drivers/of/fdt.c, base.c, 6.1):
 * the expanded tree is one memblock allocation whose size depends on the tree.
 *
 * <p>A dry run of {@code unflatten_dt_nodes} sums, in blob order and 8-byte aligned each: per
 * node a {@code struct device_node} plus its name and NUL; per property a {@code struct
 * property} (values stay in the blob); and, since version-17 blobs carry no {@code name}
 * properties, one more {@code struct property} plus the name up to its unit address and a NUL.
 * Disabled nodes count too (OF_KOBJ is set). The sum, 4-byte aligned, plus a 4-byte end marker
 * is allocated 8-byte aligned. Then each {@code /aliases} entry whose path resolves and whose name
 * ends in a number gets a {@code struct alias_prop} plus its stem and a NUL.
 *
 * <p>The tree the kernel unflattens is the loaded one: a loader given a command line writes it to
 * {@code /chosen/bootargs} (QEMU adds the property, and {@code /chosen} if missing), and one given
 * RAM for a tree without a memory node adds {@code /memory} with {@code device_type} and
 * {@code reg} (QEMU's {@code arm_load_dtb}, U-Boot's memory fix-up).
 */
final class UnflattenedTree {
    private UnflattenedTree() {
    }

    static void run(Memblock mb, DeviceTree dt, boolean hasCmdline, boolean ramGiven) {
        long size = (size(dt, hasCmdline, ramGiven) + 3) & ~3L;
        EarlyAllocations.mustAlloc(mb, size + 4, 8, "unflattened device tree");
        for (long bytes : aliasSizes(dt)) {
            EarlyAllocations.mustAlloc(mb, bytes, 8, "device-tree alias");
        }
    }

    /** The dry run's byte count. */
    static long size(DeviceTree dt, boolean hasCmdline, boolean ramGiven) {
        long[] mem = {0};
        count(dt.root(), mem);
        Optional<DtNode> chosen = dt.find("/chosen");
        if (hasCmdline) {
            if (chosen.isEmpty()) {
                node("chosen", 0, mem);
            }
            if (chosen.isEmpty() || !chosen.get().has("bootargs")) {
                property(mem);
            }
        }
        if (ramGiven && !hasMemoryNode(dt)) {
            node("memory", 2, mem);
        }
        return mem[0];
    }

    private static void count(DtNode n, long[] mem) {
        node(n.name(), n.properties().size(), mem);
        if (n.has("name")) {
            mem[0] -= align(KernelStructs.PROPERTY + nameLength(n.name()) + 1);
        }
        for (DtNode c : n.children()) {
            count(c, mem);
        }
    }

    /** A node, its {@code properties} and the synthesised {@code name} property. */
    private static void node(String name, int properties, long[] mem) {
        mem[0] = align(mem[0]) + KernelStructs.DEVICE_NODE + name.getBytes(StandardCharsets.UTF_8).length + 1;
        for (int i = 0; i < properties; i++) {
            property(mem);
        }
        mem[0] = align(mem[0]) + KernelStructs.PROPERTY + nameLength(name) + 1;
    }

    private static void property(long[] mem) {
        mem[0] = align(mem[0]) + KernelStructs.PROPERTY;
    }

    /** The node name up to its (last) unit address. */
    private static int nameLength(String name) {
        int at = name.lastIndexOf('@');
        return (at < 0 ? name : name.substring(0, at)).getBytes(StandardCharsets.UTF_8).length;
    }

    private static long align(long v) {
        return (v + 7) & ~7L;
    }

    private static boolean hasMemoryNode(DeviceTree dt) {
        for (DtNode n : dt.root().children()) {
            if (n.property("device_type").map(DtProperty::string).orElse("").equals("memory")) {
                return true;
            }
        }
        return false;
    }

    /** {@code of_alias_scan}: one allocation per alias that resolves and ends in an id. */
    static long[] aliasSizes(DeviceTree dt) {
        Optional<DtNode> aliases = dt.find("/aliases");
        if (aliases.isEmpty()) {
            return new long[0];
        }
        return aliases.get().properties().values().stream()
            .filter(p -> !p.name().equals("name") && !p.name().equals("phandle") && !p.name().equals("linux,phandle"))
            .filter(p -> resolves(dt, p))
            .mapToLong(p -> {
                String name = p.name();
                int end = name.length();
                while (end > 0 && Character.isDigit(name.charAt(end - 1))) {
                    end--;
                }
                return end == name.length() ? -1 : KernelStructs.ALIAS_PROP + end + 1;
            })
            .filter(v -> v > 0)
            .toArray();
    }

    private static boolean resolves(DeviceTree dt, DtProperty p) {
        String path;
        try {
            path = p.string();
        } catch (RuntimeException e) {
            return false;
        }
        return path.startsWith("/") && dt.find(path).isPresent();
    }
}
