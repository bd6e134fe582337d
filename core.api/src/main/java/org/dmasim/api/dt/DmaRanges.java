package org.dmasim.api.dt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaRange;

/**
 * {@code dma-ranges} semantics of {@code drivers/of/address.c} (6.1): decoding a node's
 * entries, translating their parent-bus side to CPU physical addresses through the ancestors'
 * {@code dma-ranges} (an absent or empty property is an identity hop), merging contiguous
 * entries, and {@code of_dma_get_max_cpu_address()}.
 */
public final class DmaRanges {
    /** {@code OF_BAD_ADDR}. */
    public static final long BAD_ADDR = -1L;
    /** {@code PHYS_ADDR_MAX}. */
    public static final long PHYS_ADDR_MAX = -1L;

    private DmaRanges() {
    }

    /**
     * The node's own dma-ranges as (cpu start, bus start, size), contiguous entries merged as
     * the kernel's range parser does. Empty for an absent or empty property; entries whose
     * parent address does not translate are dropped.
     */
    public static List<DmaRange> of(DtNode node) {
        Optional<DtProperty> p = node.property("dma-ranges");
        List<DmaRange> out = new ArrayList<>();
        if (p.isEmpty() || p.get().isEmpty()) {
            return out;
        }
        int na = node.addressCells();
        int ns = node.sizeCells();
        int pna = node.parent() == null ? 2 : node.parent().addressCells();
        for (long[] e : DtNode.entries(p.get(), na, pna, ns)) {
            long bus = e[0];
            long cpu = translate(node.parent(), e[1]);
            long size = e[2];
            if (cpu == BAD_ADDR) {
                continue;
            }
            if (!out.isEmpty()) {
                DmaRange last = out.get(out.size() - 1);
                if (last.dmaStart() + last.size() == bus && last.cpuStart() + last.size() == cpu) {
                    out.set(out.size() - 1, new DmaRange(last.cpuStart(), last.dmaStart(), last.size() + size));
                    continue;
                }
            }
            out.add(new DmaRange(cpu, bus, size));
        }
        return out;
    }

    /**
     * {@code of_translate_dma_address} from the bus of {@code bus} (a node whose children's
     * addresses are given) up to the root.
     */
    public static long translate(DtNode bus, long addr) {
        DtNode n = bus;
        long a = addr;
        while (n != null && n.parent() != null) {
            Optional<DtProperty> p = n.property("dma-ranges");
            if (p.isPresent() && !p.get().isEmpty()) {
                int na = n.addressCells();
                int ns = n.sizeCells();
                int pna = n.parent().addressCells();
                long mapped = BAD_ADDR;
                for (long[] e : DtNode.entries(p.get(), na, pna, ns)) {
                    if (Long.compareUnsigned(a, e[0]) >= 0 && Long.compareUnsigned(a - e[0], e[2]) < 0) {
                        mapped = e[1] + (a - e[0]);
                        break;
                    }
                }
                if (mapped == BAD_ADDR) {
                    return BAD_ADDR;
                }
                a = mapped;
            }
            n = n.parent();
        }
        return a;
    }

    /**
     * {@code of_dma_get_max_cpu_address(root)}: the lowest of the highest CPU addresses any
     * available node's dma-ranges reach; {@link #PHYS_ADDR_MAX} when no node restricts DMA.
     */
    public static long maxCpuAddress(DtNode node) {
        long max = PHYS_ADDR_MAX;
        List<DmaRange> ranges = of(node);
        if (!ranges.isEmpty()) {
            long cpuEnd = 0;
            for (DmaRange r : ranges) {
                if (Long.compareUnsigned(r.cpuStart() + r.size(), cpuEnd) > 0) {
                    cpuEnd = r.cpuStart() + r.size() - 1;
                }
            }
            if (Long.compareUnsigned(max, cpuEnd) > 0) {
                max = cpuEnd;
            }
        }
        for (DtNode c : node.children()) {
            if (!c.isAvailable()) {
                continue;
            }
            long sub = maxCpuAddress(c);
            if (Long.compareUnsigned(max, sub) > 0) {
                max = sub;
            }
        }
        return max;
    }

    /** {@code fls64}: 1-based index of the highest set bit, 0 for 0. */
    public static int fls64(long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }
}
