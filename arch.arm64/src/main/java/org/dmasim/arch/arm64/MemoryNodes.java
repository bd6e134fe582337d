package org.dmasim.arch.arm64;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.MemoryRange;

/**
 * {@code early_init_dt_scan_memory()}: the root's children with {@code device_type = "memory"}
 * give RAM ({@code linux,usable-memory} before {@code reg}); entries of size 0 are skipped.
 *
 * <p>Many board trees carry no memory node, or one with size 0: the boot loader (U-Boot) writes
 * the real size before it starts the kernel. Booted without one, the kernel has no RAM; dmasim
 * says which node is a placeholder and which {@code --mem} would stand in for the loader. The base
 * it suggests is the node's own, or, without a node, the lowest 1 GiB aligned range that none of
 * the tree's device registers occupy (grown to cover the tree's static reserved-memory regions):
 * a hint only; the board's documentation has the real RAM map.
 */
final class MemoryNodes {
    private static final long GIB = 1L << 30;

    private MemoryNodes() {
    }

    /** A memory node whose reg has only size-0 entries. */
    record Placeholder(String path, long base) {
    }

    static List<MemoryRange> scan(BootContext ctx, List<Placeholder> placeholders) {
        List<MemoryRange> out = new ArrayList<>();
        Optional<DeviceTree> dt = ctx.deviceTree();
        if (dt.isEmpty()) {
            return out;
        }
        DtNode root = dt.get().root();
        for (DtNode n : root.children()) {
            boolean memory = n.property("device_type").map(DtProperty::string).orElse("").equals("memory");
            if (!memory || !n.isAvailable()) {
                continue;
            }
            Optional<DtProperty> reg = n.property("linux,usable-memory");
            if (reg.isEmpty() || reg.get().isEmpty()) {
                reg = n.property("reg");
            }
            if (reg.isEmpty()) {
                continue;
            }
            boolean any = false;
            long firstBase = -1;
            for (long[] e : DtNode.entries(reg.get(), root.addressCells(), root.sizeCells())) {
                if (firstBase == -1) {
                    firstBase = e[0];
                }
                if (e[1] == 0) {
                    continue;
                }
                any = true;
                MemoryRange r = new MemoryRange(e[0], e[1]);
                for (MemoryRange o : out) {
                    if (o.overlaps(r)) {
                        ctx.log().dmasim(String.format("warning: memory node %s: bank [%#x-%#x) overlaps an earlier"
                            + " bank [%#x-%#x); the kernel merges them silently", n.name(), r.base(), r.end(),
                            o.base(), o.end()));
                    }
                }
                out.add(r);
            }
            if (!any && firstBase != -1) {
                placeholders.add(new Placeholder(n.path(), firstBase));
            }
        }
        return out;
    }

    /** The error for a tree that gives the kernel no RAM. */
    static InvalidInputException noRam(Optional<DeviceTree> dt, List<Placeholder> placeholders) {
        String file = dt.map(DeviceTree::source).orElse("device tree");
        if (!placeholders.isEmpty()) {
            Placeholder p = placeholders.get(0);
            long size = dt.map(t -> sizeFrom(t, p.base())).orElse(GIB);
            return new InvalidInputException(String.format("%s: memory node %s has size 0 at base %#x (a placeholder"
                + " the boot loader fills in with the board's RAM); give the RAM with --mem SIZE@BASE, e.g. --mem %s@%#x"
                + " (the node's base; use the board's real size)", file, p.path(), p.base(), sizeText(size), p.base()));
        }
        String hint = dt.map(MemoryNodes::hint).orElse("--mem 1G@0x40000000");
        return new InvalidInputException(file + ": no memory node (device_type = \"memory\"); the boot loader adds one"
            + " on the real board; give the RAM with --mem SIZE@BASE, e.g. " + hint + " (the first 1 GiB aligned range"
            + " clear of this tree's device registers; use the board's real RAM base and size)");
    }

    private static String hint(DeviceTree dt) {
        List<long[]> devices = deviceRanges(dt);
        List<KernelImage.Taken> reserved = KernelImage.takenRanges(dt);
        long lowestReserved = reserved.stream().mapToLong(KernelImage.Taken::base).min().orElse(-1);
        for (long base = 0; base < (1L << 40); base += GIB) {
            if (lowestReserved != -1 && Long.compareUnsigned(base, lowestReserved) > 0) {
                break;
            }
            long size = sizeFrom(dt, base);
            if (!overlapsAny(devices, base, size)) {
                return "--mem " + sizeText(size) + String.format("@%#x", base);
            }
        }
        for (long base = 0; base < (1L << 40); base += GIB) {
            if (!overlapsAny(devices, base, GIB)) {
                return String.format("--mem 1G@%#x", base);
            }
        }
        return "--mem 1G@0x40000000";
    }

    /** 1 GiB, or the power of two from {@code base} that covers the tree's static reservations above it. */
    private static long sizeFrom(DeviceTree dt, long base) {
        long size = GIB;
        for (KernelImage.Taken t : KernelImage.takenRanges(dt)) {
            if (Long.compareUnsigned(t.base(), base) >= 0 && Long.compareUnsigned(t.end() - base, size) > 0
                && t.end() - base < (1L << 40)) {
                size = Long.highestOneBit(t.end() - base - 1) << 1;
            }
        }
        return size;
    }

    private static String sizeText(long size) {
        return size % GIB == 0 ? (size / GIB) + "G" : (size >>> 20) + "M";
    }

    private static boolean overlapsAny(List<long[]> ranges, long base, long size) {
        for (long[] r : ranges) {
            if (Long.compareUnsigned(r[0], base + size) < 0 && Long.compareUnsigned(base, r[0] + r[1]) < 0) {
                return true;
            }
        }
        return false;
    }

    /** CPU addresses of every device register range the tree translates ({@code of_translate_address}). */
    static List<long[]> deviceRanges(DeviceTree dt) {
        List<long[]> out = new ArrayList<>();
        for (DtNode n : dt.root().children()) {
            String base = n.baseName();
            if (base.equals("memory") || base.equals("reserved-memory") || base.equals("chosen") || base.equals("aliases")
                || base.equals("cpus")) {
                continue;
            }
            collect(n, out);
        }
        return out;
    }

    private static void collect(DtNode n, List<long[]> out) {
        if (n.has("reg") && n.parent() != null && n.parent().sizeCells() > 0) {
            try {
                for (long[] e : n.reg()) {
                    long cpu = translate(n, e[0]);
                    if (cpu != -1 && e[1] != 0) {
                        out.add(new long[] {cpu, e[1]});
                    }
                }
            } catch (DeviceTreeException ignored) {
                // a malformed reg is reported where the device is created; it gives no hint here
            }
        }
        for (DtNode c : n.children()) {
            collect(c, out);
        }
    }

    /** Child address to CPU address through the parents' {@code ranges}; -1 if a bus has none. */
    private static long translate(DtNode node, long addr) {
        long a = addr;
        for (DtNode bus = node.parent(); bus != null && bus.parent() != null; bus = bus.parent()) {
            Optional<DtProperty> p = bus.property("ranges");
            if (p.isEmpty()) {
                return -1;
            }
            if (p.get().isEmpty()) {
                continue;
            }
            long mapped = -1;
            for (long[] e : DtNode.entries(p.get(), bus.addressCells(), bus.parent().addressCells(), bus.sizeCells())) {
                if (Long.compareUnsigned(a, e[0]) >= 0 && Long.compareUnsigned(a - e[0], e[2]) < 0) {
                    mapped = e[1] + (a - e[0]);
                    break;
                }
            }
            if (mapped == -1) {
                return -1;
            }
            a = mapped;
        }
        return a;
    }
}
