package org.dmasim.shell.format;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.iommu.IommuGroupInfo;
import org.dmasim.api.mem.CacheLine;
import org.dmasim.api.mem.CacheStats;
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

    /** One line: {@code name arch kernel state [failure]}. */
    public static String format(PlatformDTO p) {
        return table(List.of(p));
    }

    /**
     * The {@code platforms} table: a header and one row per platform, columns padded to
     * their widest cell; the failure column is last and never padded.
     */
    public static String table(Collection<PlatformDTO> platforms) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "ARCH", "KERNEL", "STATE", "FAILURE"});
        for (PlatformDTO p : platforms) {
            rows.add(new String[] {p.name, p.arch, p.kernel == null ? "?" : p.kernel, p.state,
                p.failure == null ? "" : p.failure});
        }
        return columns(rows);
    }

    /** The {@code dma:allocations} table: a header and one row per live allocation. */
    public static String allocations(Collection<AllocationDTO> allocations) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DEVICE", "FUNCTION", "SIZE", "CPU_ADDR", "DMA_HANDLE", "PHYS", "TAKEN", "MEMORY",
            "SOURCE"});
        for (AllocationDTO a : allocations) {
            rows.add(new String[] {a.device, a.function, hex(a.size), String.format("%#018x", a.cpu), hex(a.dma),
                hex(a.phys), hex(a.reserved), a.attr, source(a)});
        }
        return columns(rows);
    }

    /** Rows as columns padded to their widest cell, two spaces apart; the last column unpadded. */
    static String columns(List<String[]> rows) {
        int n = rows.get(0).length;
        int[] width = new int[n - 1];
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
            line.append(r[n - 1]);
            sb.append(line.toString().stripTrailing());
        }
        return sb.toString();
    }

    /**
     * Any shell DTO, or a collection of {@link PlatformDTO}s or {@link AllocationDTO}s as a
     * table; null for anything else, so that callers (the Gogo converter) can fall back to the
     * default rendering.
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
        if (target instanceof ResultDTO r) {
            return format(r);
        }
        if (target instanceof AllocationDTO a) {
            return format(a);
        }
        if (target instanceof PagesDTO pg) {
            return format(pg);
        }
        if (target instanceof CmaRangeDTO c) {
            return format(c);
        }
        if (target instanceof PoolBlockDTO b) {
            return format(b);
        }
        if (target instanceof PoolDTO d) {
            return format(d);
        }
        if (target instanceof DebugfsDTO d) {
            return format(d);
        }
        if (target instanceof VmstatDTO v) {
            return format(v);
        }
        if (target instanceof KmallocDTO k) {
            return format(k);
        }
        if (target instanceof CpuCacheDTO c) {
            return format(c);
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
        if (target instanceof MappingDTO m) {
            return format(m);
        }
        if (target instanceof SgMappingDTO g) {
            return format(g);
        }
        if (target instanceof SwiotlbDTO w) {
            return format(w);
        }
        if (target instanceof MappingsDTO l) {
            return mappings(l.mappings);
        }
        if (target instanceof IommuGroupsDTO g) {
            return format(g);
        }
        if (target instanceof IommuDomainsDTO d) {
            return format(d);
        }
        if (target instanceof IommuStatsDTO s) {
            return format(s);
        }
        if (target instanceof Collection<?> c && c.stream().allMatch(AllocationDTO.class::isInstance)) {
            List<AllocationDTO> as = new ArrayList<>();
            c.forEach(o -> as.add((AllocationDTO) o));
            return c.isEmpty() ? null : allocations(as);
        }
        return null;
    }

    /** {@code function(arg, arg) = value}; numbers in hex or decimal as the result says, void calls without {@code =}. */
    public static String format(ResultDTO r) {
        String printed = r.printed.isEmpty() ? "" : String.join("\n", r.printed) + "\n";
        String call = printed + call(r.function, r.args);
        if (r.value == null) {
            return call;
        }
        String value;
        if (r.value instanceof Number n) {
            value = r.hex ? hex(n.longValue()) : Long.toString(n.longValue());
        } else {
            value = String.valueOf(r.value);
        }
        return call + " = " + value;
    }

    /**
     * {@code dma_alloc_coherent(dev, 4K, GFP_KERNEL) = cpu 0x.. dma 0x.. (phys 0x.., source, 0x.. bytes taken, memory type)}.
     */
    public static String format(AllocationDTO a) {
        String call = a.args == null ? a.device + ": " + a.function + " " + hex(a.size) : call(a.function, a.args);
        return String.format("%s = cpu %#018x dma %#x (phys %#x, %s, %s bytes taken, %s)", call, a.cpu, a.dma, a.phys,
            source(a), hex(a.reserved), a.attr);
    }

    /** {@code alloc_pages(GFP_KERNEL, 2) = pfn 0x.. order 2 zone Z phys 0x.. kva 0x..}. */
    public static String format(PagesDTO p) {
        return String.format("%s = pfn %#x order %d zone %s phys %#x kva %#018x", call(p.function, p.args), p.pfn,
            p.order, p.zone, p.pfn << 12, p.kva);
    }

    /** {@code cma_alloc(reserved, 16, 4) = pfn 0x.. count 16 phys 0x..}. */
    public static String format(CmaRangeDTO c) {
        return String.format("%s = pfn %#x count %d phys %#x", call("cma_alloc", c.args), c.pfn, c.count, c.pfn << 12);
    }

    /** {@code dma_pool_alloc(pool, GFP_KERNEL) = vaddr 0x.. dma 0x..}. */
    public static String format(PoolBlockDTO b) {
        return String.format("%s = vaddr %#018x dma %#x", call(b.function, b.args), b.vaddr, b.dma);
    }

    /** {@code dma_pool_create(...) = pool NAME: size 0x.. allocation 0x.. boundary 0x.. (dma_pool 6.1)}. */
    public static String format(PoolDTO d) {
        return String.format("%s = pool %s: size %s allocation %s boundary %s (dma_pool %s)", call(d.function, d.args),
            d.name, hex(d.size), hex(d.allocation), hex(d.boundary), d.backend);
    }

    /** {@code ROOT/FILE: content} per file, as {@code grep . ROOT/*} prints a debugfs directory. */
    public static String format(DebugfsDTO d) {
        StringBuilder sb = new StringBuilder();
        d.files.forEach((file, content) -> sb.append(sb.length() == 0 ? "" : "\n").append(d.root).append('/')
            .append(file).append(": ").append(content.strip()));
        return sb.toString();
    }

    /** {@code name value} per counter, as /proc/vmstat; then a {@code dmasim:} remark on migration's cost. */
    public static String format(VmstatDTO v) {
        StringBuilder sb = new StringBuilder();
        v.counters.forEach((name, value) -> sb.append(name).append(' ').append(value).append('\n'));
        sb.append(String.format("%smigration moved %d blocks, copied %#x bytes in %d us", DMASIM_PREFIX,
            v.blocksMigrated, v.bytesCopied, v.migrationNanos / 1000));
        return sb.toString();
    }

    /** {@code kmalloc(100, GFP_KERNEL) = 0xffff... (phys 0x.., kmalloc-128, ksize 0x80)}. */
    public static String format(KmallocDTO k) {
        String call = call(k.function, k.args);
        if (k.cache == null) {
            return String.format("%s = %#x (ZERO_SIZE_PTR)", call, k.addr);
        }
        return String.format("%s = %#018x (phys %#x, %s, ksize %s)", call, k.addr, k.phys, k.cache, hex(k.size));
    }

    /** The CPU cache's counters, one per line, then the lines asked for as a table. */
    public static String format(CpuCacheDTO c) {
        CacheStats s = c.stats;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CPU data cache", String.format("%d-byte lines, write-back, eviction %s", c.lineSize,
            c.eviction)});
        rows.add(new String[] {"lines cached", String.format("%d (%d dirty)", s.presentLines(), s.dirtyLines())});
        rows.add(new String[] {"line fills", Long.toString(s.lineFills())});
        rows.add(new String[] {"lines cleaned", Long.toString(s.linesCleaned())});
        rows.add(new String[] {"lines invalidated", String.format("%d (%d dirty: CPU stores lost)",
            s.linesInvalidated(), s.dirtyLinesDiscarded())});
        rows.add(new String[] {"lines evicted", String.format("%d (%d written back)", s.linesEvicted(),
            s.evictionWriteBacks())});
        rows.add(new String[] {"stale CPU reads", Long.toString(s.staleCpuReads())});
        rows.add(new String[] {"stale device reads", Long.toString(s.staleDeviceReads())});
        String out = aligned(rows);
        if (c.lines.isEmpty()) {
            return out;
        }
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"ADDR", "PHYS", "STATE"});
        for (CpuCacheDTO.Line l : c.lines) {
            CacheLine line = l.line();
            String state = !line.present() ? "not cached" : line.dirty() ? "dirty" : "clean";
            if (line.ramChanged()) {
                state += ", RAM changed behind it";
            }
            table.add(new String[] {String.format("%#018x", l.kva()), hex(line.phys()), state});
        }
        return out + "\n" + columns(table);
    }

    /**
     * {@code dma_map_single(dev, 0xffff.., 1500, DMA_TO_DEVICE) = dma 0x.. (phys 0x.., bounced: swiotlb slot 0)},
     * or {@code = DMA_MAPPING_ERROR}, after what the kernel printed during the call.
     */
    public static String format(MappingDTO m) {
        String printed = m.printed.isEmpty() ? "" : String.join("\n", m.printed) + "\n";
        String call = m.args == null ? m.device + ": " + m.function + " " + hex(m.size) + " " + m.dir
            : call(m.function, m.args);
        if (m.failed()) {
            return printed + call + " = DMA_MAPPING_ERROR (dma_mapping_error: " + m.mappingError + ")";
        }
        return printed + String.format("%s = dma %#x (phys %#x, %s)", call, m.dma, m.phys, m.translated
            ? TRANSLATED : bounce(m.bouncePool, m.slot));
    }

    /** Where a mapping's bytes are when an IOMMU translates the device's bus addresses (IOVAs). */
    private static final String TRANSLATED = "translated";

    private static String bounce(String pool, long slot) {
        return pool == null ? "direct" : "bounced: " + pool + " slot " + slot;
    }

    /** The {@code dma:mappings} table: a header and one row per live streaming mapping. */
    public static String mappings(Collection<MappingDTO> mappings) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DEVICE", "FUNCTION", "DMA_HANDLE", "SIZE", "DIR", "PHYS", "BOUNCE"});
        for (MappingDTO m : mappings) {
            rows.add(new String[] {m.device, m.function, hex(m.dma), hex(m.size), m.dir, hex(m.phys),
                m.bouncePool == null ? "-" : m.bouncePool + " slot " + m.slot});
        }
        return columns(rows);
    }

    /**
     * {@code dma_map_sg(dev, DIR, entries) = N} (or {@code dma_map_sgtable(...) = 0 (sgt->nents = N)}),
     * then one line per entry: CPU side, DMA side, bounce.
     */
    public static String format(SgMappingDTO g) {
        StringBuilder sb = new StringBuilder();
        g.printed.forEach(l -> sb.append(l).append('\n'));
        sb.append(call(g.function, g.args)).append(" = ").append(g.returned);
        if (g.function.equals("dma_map_sgtable") && g.returned == 0) {
            sb.append(" (sgt->nents = ").append(g.segments).append(')');
        }
        for (int i = 0; i < g.entries.size(); i++) {
            SgMappingDTO.Entry e = g.entries.get(i);
            sb.append(String.format("%nsg[%d] phys %#x len %s", i, e.phys(), hex(e.length())));
            if (i < g.segments) {
                sb.append(String.format(" -> dma %#x len %s (%s)", e.dma(), hex(e.dmaLength()),
                    g.translated ? TRANSLATED : bounce(e.bouncePool(), e.slot())));
            }
        }
        return sb.toString();
    }

    /**
     * Each pool: its range, slots and use, then its areas (slots in use, next-fit cursor) and the
     * devices that bounced through it (maps, failed maps, live buffers, copies and bytes each way).
     */
    public static String format(SwiotlbDTO w) {
        if (w.pools.isEmpty()) {
            return "swiotlb: no bounce pool";
        }
        StringBuilder sb = new StringBuilder();
        for (SwiotlbDTO.Pool p : w.pools) {
            org.dmasim.api.swiotlb.SwiotlbStats s = p.stats();
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            if (s.nslabs() == 0) {
                sb.append(String.format("%s (%s): no slots", s.name(), w.instance));
                continue;
            }
            sb.append(String.format("%s (%s): [mem 0x%016x-0x%016x] %d slots (%d MiB), %d area%s, %d used%s", s.name(),
                w.instance, s.start(), p.end() - 1, s.nslabs(), (s.nslabs() << 11) >>> 20, p.nareas(),
                p.nareas() == 1 ? "" : "s", s.used(), p.forceBounce() ? ", bounces everything" : ""));
            List<String[]> areas = new ArrayList<>();
            areas.add(new String[] {"AREA", "FIRST_SLOT", "SLOTS", "USED", "CURSOR"});
            for (org.dmasim.api.swiotlb.SwiotlbStats.Area a : s.areas()) {
                areas.add(new String[] {Integer.toString(a.index()), Long.toString(a.firstSlot()),
                    Long.toString(a.nslabs()), Long.toString(a.used()), Long.toString(a.cursor())});
            }
            sb.append('\n').append(columns(areas));
            if (!s.devices().isEmpty()) {
                List<String[]> devs = new ArrayList<>();
                devs.add(new String[] {"DEVICE", "MAPS", "FAILED", "LIVE", "COPIES_TO_BOUNCE", "BYTES",
                    "COPIES_FROM_BOUNCE", "BYTES"});
                for (org.dmasim.api.swiotlb.SwiotlbStats.DeviceBounces d : s.devices()) {
                    devs.add(new String[] {d.device(), Long.toString(d.maps()), Long.toString(d.failedMaps()),
                        Long.toString(d.live()), Long.toString(d.copiesToBounce()), hex(d.bytesToBounce()),
                        Long.toString(d.copiesFromBounce()), hex(d.bytesFromBounce())});
                }
                sb.append('\n').append(columns(devs));
            }
        }
        return sb.toString();
    }

    /**
     * The {@code iommu:iommu_groups} table: one row per group ({@code /sys/kernel/iommu_groups/N}),
     * its {@code type} file, devices, default domain and IOMMU unit.
     */
    public static String format(IommuGroupsDTO g) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"GROUP", "TYPE", "DEVICES", "DOMAIN", "UNIT"});
        for (IommuGroupInfo i : g.groups) {
            rows.add(new String[] {Integer.toString(i.id()), i.type(), String.join(",", i.devices()),
                Integer.toString(i.domain()), i.unit()});
        }
        String units = String.format("%s%d IOMMU unit%s: %s", DMASIM_PREFIX, g.units.size(),
            g.units.size() == 1 ? "" : "s", String.join(", ", g.units));
        return g.groups.isEmpty() ? units + "; no IOMMU groups" : columns(rows);
    }

    /** The {@code iommu:domains} table: one row per live domain, current or draining. */
    public static String format(IommuDomainsDTO d) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DOMAIN", "TYPE", "GROUP", "STATE", "ASID", "IOVA_RANGES", "CACHED", "FQ_WAITING",
            "TABLE_PAGES", "HELD_BY"});
        for (IommuDomainInfo i : d.domains) {
            boolean translated = !i.type().equals("identity");
            rows.add(new String[] {Integer.toString(i.id()), i.type(), Integer.toString(i.group()), i.state(),
                translated ? Integer.toString(i.asid()) : "-", translated ? Long.toString(i.iovaRanges()) : "-",
                translated ? Long.toString(i.iovaCached()) : "-", translated ? Long.toString(i.fqWaiting()) : "-",
                Long.toString(i.tablePages()), i.mappings() + " mapping" + (i.mappings() == 1 ? "" : "s")});
        }
        return columns(rows);
    }

    /** The IOMMUs' counters, one per line, then the simulated time of the flush queues' timers. */
    public static String format(IommuStatsDTO s) {
        IommuCounters c = s.counters;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"translations", c.translations() + " (device accesses, one per page)"});
        rows.add(new String[] {"IOTLB hits", Long.toString(c.iotlbHits())});
        rows.add(new String[] {"IOTLB misses", c.iotlbMisses() + " (page-table walks)"});
        rows.add(new String[] {"stale IOTLB hits", c.staleHits() + " (an unmapped IOVA reached through an entry not"
            + " yet invalidated)"});
        rows.add(new String[] {"faults", c.faults() + " (events recorded)"});
        rows.add(new String[] {"aborted", c.aborted() + " (refused by an abort stream table entry, no event)"});
        rows.add(new String[] {"CMD_TLBI_NH_VA", Long.toString(c.tlbiVa())});
        rows.add(new String[] {"CMD_TLBI_NH_ASID", Long.toString(c.tlbiAsid())});
        rows.add(new String[] {"CMD_SYNC", Long.toString(c.syncs())});
        rows.add(new String[] {"flush queue", String.format("%d IOVA range%s queued, %d flush%s", c.fqQueued(),
            c.fqQueued() == 1 ? "" : "s", c.fqFlushes(), c.fqFlushes() == 1 ? "" : "es")});
        rows.add(new String[] {"simulated time", millis(s.nowNanos) + " since boot"});
        return aligned(rows);
    }

    /** Nanoseconds as milliseconds with microsecond precision: {@code 10.000 ms}. */
    public static String millis(long nanos) {
        return String.format("%d.%03d ms", nanos / 1_000_000, nanos / 1_000 % 1_000);
    }

    /** {@code function(a, b)}. */
    static String call(String function, List<String> args) {
        return function + "(" + (args == null ? "" : String.join(", ", args)) + ")";
    }

    /** The one base for addresses, sizes, masks and pfns: {@code 0x} hex. */
    public static String hex(long v) {
        return String.format("%#x", v);
    }

    /** Where an allocation came from: {@code buddy}, {@code default CMA reserved}, {@code atomic pool dma}. */
    private static String source(AllocationDTO a) {
        return a.sourceName == null || a.sourceName.isEmpty() || a.sourceName.equals(a.source) ? a.source
            : a.source + " " + a.sourceName;
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
        rows.add(new String[] {"mappings", Integer.toString(d.mappings)});
        List<DeviceInfoDTO.BackendDTO> backends = d.backends == null ? List.of() : d.backends;
        for (int i = 0; i < backends.size(); i++) {
            DeviceInfoDTO.BackendDTO b = backends.get(i);
            rows.add(new String[] {i == 0 ? "backends" : "", String.format("%s %s, %d held (%d of this device): %s",
                b.id, b.state, b.held, b.heldForDevice, b.description)});
        }
        return aligned(rows);
    }

    /** The {@code dmasim:backends} table: every backend instance of a platform, oldest first. */
    public static String backendInstances(Collection<org.dmasim.api.backend.BackendInstance> instances) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"INSTANCE", "STATE", "HELD", "WHAT"});
        for (org.dmasim.api.backend.BackendInstance b : instances) {
            rows.add(new String[] {b.id(), b.state().name() + (b.forcedOut() ? " (forced out)" : ""),
                Long.toString(b.held()), b.description()});
        }
        return aligned(rows);
    }

    /** A size_t the DMA API returns, in hex as every size, where -1 stands for SIZE_MAX. */
    public static String sizeOrMax(long v) {
        return v == -1L ? "SIZE_MAX" : hex(v);
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
