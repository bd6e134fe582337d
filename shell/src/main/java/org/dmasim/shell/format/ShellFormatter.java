package org.dmasim.shell.format;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.platform.LogLine;

/**
 * Renders the shell's DTOs as text. Every command, the Gogo converter and the launcher print
 * through here; nothing else formats a DTO.
 *
 * <p>Boot log lines: kernel lines exactly as the kernel prints them (after the timestamp),
 * the simulator's own remarks prefixed with {@value #DMASIM_PREFIX}, so that a kernel line
 * can be compared with real dmesg output as is.
 */
public final class ShellFormatter {
    /** Prefix of every line that is the simulator talking, never the kernel. */
    public static final String DMASIM_PREFIX = "dmasim: ";

    private ShellFormatter() {
    }

    /** One boot log line as printed. */
    public static String logLine(LogLine line) {
        return line.isKernel() ? line.text() : DMASIM_PREFIX + line.text();
    }

    /** Lines joined with '\n', without a trailing newline. */
    public static String format(BootLogDTO log) {
        List<String> out = new ArrayList<>(log.lines.size());
        for (LogLine l : log.lines) {
            out.add(logLine(l));
        }
        return String.join("\n", out);
    }

    /** The file's text without its trailing newline (consoles add one). */
    public static String format(ProcViewDTO view) {
        return stripTrailingNewline(view.text);
    }

    /** One line: {@code name arch state [failure]}. */
    public static String format(PlatformDTO p) {
        return table(List.of(p));
    }

    /**
     * The {@code platforms} table: a header and one row per platform, columns padded to
     * their widest cell; the failure column is last and never padded.
     */
    public static String table(Collection<PlatformDTO> platforms) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "ARCH", "STATE", "FAILURE"});
        for (PlatformDTO p : platforms) {
            rows.add(new String[] {p.name, p.arch, p.state, p.failure == null ? "" : p.failure});
        }
        int[] width = new int[3];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                line.append(String.format("%-" + width[i] + "s  ", r[i]));
            }
            line.append(r[3]);
            sb.append(line.toString().stripTrailing());
        }
        return sb.toString();
    }

    /**
     * Any shell DTO, or a collection of {@link PlatformDTO}s as a table; null for anything
     * else, so that callers (the Gogo converter) can fall back to the default rendering.
     */
    public static String formatAny(Object target) {
        if (target instanceof BootLogDTO b) {
            return format(b);
        }
        if (target instanceof ProcViewDTO v) {
            return format(v);
        }
        if (target instanceof PlatformDTO p) {
            return format(p);
        }
        if (target instanceof TextDTO t) {
            return stripTrailingNewline(t.text);
        }
        if (target instanceof AllocationDTO a) {
            return format(a);
        }
        if (target instanceof PagesDTO pg) {
            return format(pg);
        }
        if (target instanceof CmaRangeDTO c) {
            return String.format("cma %s: pfn %#x count %d phys %#x", c.area, c.pfn, c.count, c.pfn << 12);
        }
        if (target instanceof PoolBlockDTO b) {
            return String.format("%s: vaddr %#018x dma %#x", b.pool, b.vaddr, b.dma);
        }
        if (target instanceof DeviceInfoDTO d) {
            return format(d);
        }
        if (target instanceof Collection<?> c && !c.isEmpty() && c.stream().allMatch(DeviceInfoDTO.class::isInstance)) {
            List<DeviceInfoDTO> ds = new ArrayList<>();
            c.forEach(o -> ds.add((DeviceInfoDTO) o));
            return devices(ds);
        }
        if (target instanceof Collection<?> c && !c.isEmpty() && c.stream().allMatch(PlatformDTO.class::isInstance)) {
            List<PlatformDTO> ps = new ArrayList<>();
            c.forEach(o -> ps.add((PlatformDTO) o));
            return table(ps);
        }
        return null;
    }

    /** {@code device: function size -> cpu 0x.. dma 0x.. phys 0x.. (source name, bytes taken, memory type)}. */
    public static String format(AllocationDTO a) {
        return String.format("%s: %s %d -> cpu %#018x dma %#x phys %#x (%s %s, %d bytes taken, %s)", a.device,
            a.function, a.size, a.cpu, a.dma, a.phys, a.source, a.sourceName, a.reserved, a.attr);
    }

    /** {@code pfn 0x.. order N zone Z kva 0x..}. */
    public static String format(PagesDTO p) {
        return String.format("pfn %#x order %d zone %s phys %#x kva %#018x", p.pfn, p.order, p.zone, p.pfn << 12,
            p.kva);
    }

    /**
     * The {@code dma:devices} table: one row per device with what decides where its buffers come
     * from (bus, coherence, both masks, bus limit, DMA ops, streaming limit).
     */
    public static String devices(Collection<DeviceInfoDTO> devices) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DEVICE", "BUS", "COHERENT", "DMA_MASK", "COHERENT_MASK", "BUS_DMA_LIMIT", "OPS",
            "MAX_MAPPING"});
        for (DeviceInfoDTO d : devices) {
            rows.add(new String[] {d.name, d.bus, d.coherent ? "coherent" : "non-coherent", hex(d.dmaMask),
                hex(d.coherentDmaMask), d.busDmaLimit == 0 ? "-" : hex(d.busDmaLimit), d.dmaOps,
                sizeOrMax(d.maxMappingSize)});
        }
        return aligned(rows);
    }

    /** {@code dma:device NAME}: every field of the device, one per line, in the kernel's names. */
    public static String format(DeviceInfoDTO d) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"device", d.name + " (" + d.bus + ")"});
        rows.add(new String[] {"of_node", d.ofNode == null ? "-" : d.ofNode});
        if (d.hostBridge != null) {
            rows.add(new String[] {"host bridge", d.hostBridge});
        }
        rows.add(new String[] {"dma_ops", d.dmaOps});
        rows.add(new String[] {"coherent", d.coherent ? "yes" : "no"});
        rows.add(new String[] {"dma_mask", hex(d.dmaMask) + (d.singleMask ? " (is coherent_dma_mask)" : "")});
        rows.add(new String[] {"coherent_dma_mask", hex(d.coherentDmaMask)});
        rows.add(new String[] {"bus_dma_limit", d.busDmaLimit == 0 ? "none" : hex(d.busDmaLimit)});
        if (d.dmaRanges == null || d.dmaRanges.isEmpty()) {
            rows.add(new String[] {"dma_range_map", "none (bus address = CPU address)"});
        }
        for (int i = 0; d.dmaRanges != null && i < d.dmaRanges.size(); i++) {
            DeviceInfoDTO.DmaRangeDTO r = d.dmaRanges.get(i);
            rows.add(new String[] {i == 0 ? "dma_range_map" : "", String.format("cpu %#x dma %#x size %#x (offset %#x)",
                r.cpuStart, r.dmaStart, r.size, r.offset)});
        }
        rows.add(new String[] {"required_mask", hex(d.requiredMask)});
        rows.add(new String[] {"max_seg_size", hex(d.maxSegmentSize)});
        rows.add(new String[] {"seg_boundary_mask", hex(d.segmentBoundaryMask)});
        rows.add(new String[] {"min_align_mask", hex(d.minAlignMask)});
        rows.add(new String[] {"cma_area", d.cmaArea == null ? "none" : String.format("%s (%s) base %#x size %#x",
            d.cmaArea.name, d.cmaArea.perDevice ? "per-device" : "default", d.cmaArea.base, d.cmaArea.size)});
        rows.add(new String[] {"coherent pool", d.coherentPool == null ? "none" : String.format(
            "%s phys %#x dma %#x size %#x used %#x", d.coherentPool.name, d.coherentPool.phys,
            d.coherentPool.deviceBase, d.coherentPool.size, d.coherentPool.used)});
        rows.add(new String[] {"swiotlb", !d.swiotlbActive ? "inactive" : d.swiotlbForceBounce ? "active, force"
            : "active"});
        rows.add(new String[] {"max_mapping_size", sizeOrMax(d.maxMappingSize)});
        rows.add(new String[] {"opt_mapping_size", sizeOrMax(d.optMappingSize)});
        return aligned(rows);
    }

    /** A size_t the DMA API returns, where -1 stands for SIZE_MAX. */
    public static String sizeOrMax(long v) {
        return v == -1L ? "SIZE_MAX" : Long.toUnsignedString(v);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** Rows with every column but the last padded to its widest cell, two spaces apart. */
    private static String aligned(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        rows.forEach(r -> {
            for (int i = 0; i < cols - 1; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        List<String> lines = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols - 1; i++) {
                line.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
            }
            lines.add(line.append(r[cols - 1]).toString().stripTrailing());
        }
        return String.join("\n", lines);
    }

    private static String stripTrailingNewline(String s) {
        if (s == null) {
            return "";
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
