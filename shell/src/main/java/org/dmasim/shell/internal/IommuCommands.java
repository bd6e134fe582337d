package org.dmasim.shell.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.IommuDomainsDTO;
import org.dmasim.shell.format.IommuGroupsDTO;
import org.dmasim.shell.format.IommuStatsDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code iommu}: a platform's IOMMUs as users see them on Linux
 * ({@code /sys/kernel/iommu_groups}, the kernel log's fault events) and what the kernel keeps but
 * does not show: each domain's IOVA ranges and page tables, the IOTLB and invalidation counters,
 * and the simulated clock the lazy flush queues' timers run on ({@code iommu:msleep} lets it pass).
 */
@Component(service = IommuCommands.class, property = {
    "osgi.command.scope=iommu",
    "osgi.command.function=iommu_groups",
    "osgi.command.function=group_type",
    "osgi.command.function=domains",
    "osgi.command.function=iova",
    "osgi.command.function=pgtable",
    "osgi.command.function=faults",
    "osgi.command.function=stats",
    "osgi.command.function=msleep"
})
public class IommuCommands {
    private static final String GROUPS = "/sys/kernel/iommu_groups";
    private static final String GROUP = "an IOMMU group number (iommu:iommu_groups lists them)";
    /** The profile users can boot to get an IOMMU. */
    static final String SMMU_PROFILE = "qemu-virt-arm64-smmuv3";

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    /** The platform's IOMMUs, or an error that says why it has none and where to find one. */
    static Iommu iommu(Platform p) {
        PlatformSelector.facility(p, DmaApi.class, "dma.core"); // a BOOTED platform, or why not
        return p.lookup(Iommu.class).orElseThrow(() -> new IllegalStateException(noIommu(p)));
    }

    private static String noIommu(Platform p) {
        List<DtNode> smmus = p.spec().deviceTree().map(dt -> dt.all().stream()
            .filter(n -> n.isCompatible("arm,smmu-v3") && n.isAvailable()).toList()).orElse(List.of());
        if (!smmus.isEmpty()) {
            return "platform '" + p.name() + "': its SMMUv3 " + smmus.get(0).path() + " has no driver (the iommu.smmu"
                + " bundle is not active)";
        }
        return "platform '" + p.name() + "' has no IOMMU (no device-tree node is compatible with arm,smmu-v3; profile "
            + SMMU_PROFILE + " has one)";
    }

    private static int group(String text) {
        long n = Args.plainNumber("group", text);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("group: " + text + " (expected a group number, 0 or more: "
                + "iommu:iommu_groups lists them)");
        }
        return (int) n;
    }

    @Descriptor("list " + GROUPS + ": each group's number, type file (DMA, DMA-FQ, identity), devices, default"
        + " domain and IOMMU unit")
    public IommuGroupsDTO iommu_groups(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = PlatformSelector.select(platforms, platform);
        Iommu iommu = iommu(p);
        return IommuGroupsDTO.of(p.name(), iommu.units(), iommu.groups());
    }

    @Descriptor("read " + GROUPS + "/GROUP/type: DMA (strict), DMA-FQ (lazy) or identity (passthrough)")
    public ResultDTO group_type(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(GROUP) String group) {
        Platform p = PlatformSelector.select(platforms, platform);
        return ResultDTO.of(p.name(), "group_type", List.of(group), iommu(p).readGroupType(group(group)));
    }

    @Descriptor("write " + GROUPS + "/GROUP/type as echo VALUE > FILE does (the newline included): the bytes"
        + " written or the error, and what the kernel printed")
    public ResultDTO group_type(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(GROUP) String group,
        @Descriptor("DMA, DMA-FQ, identity or auto (the boot's default type)") String value) {
        Platform p = PlatformSelector.select(platforms, platform);
        Iommu iommu = iommu(p);
        int g = group(group);
        Iommu.TypeWrite w = iommu.writeGroupType(g, value + "\n");
        String now = iommu.readGroupType(g);
        String result = w.result() < 0 ? errno(w.result()) + " (type stays " + now + ")"
            : w.result() + " (type now " + now + ")";
        return ResultDTO.of(p.name(), "group_type", List.of(group, value), result).printed(w.printed());
    }

    /** A negative errno by its name: {@code -EBUSY}; a number the kernel has no name for here as is. */
    static String errno(long result) {
        for (Field f : Errno.class.getFields()) {
            try {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && -f.getInt(null) == result) {
                    return "-" + f.getName();
                }
            } catch (IllegalAccessException e) {
                break; // public constants: cannot happen; the number below still says it
            }
        }
        return Long.toString(result);
    }

    @Descriptor("every live IOMMU domain: type, group, state (ACTIVE, or DRAINING after a type change), ASID, IOVA"
        + " ranges allocated, ranges cached for reuse, ranges waiting in the flush queue, page-table pages,"
        + " mappings that hold it")
    public IommuDomainsDTO domains(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = PlatformSelector.select(platforms, platform);
        return IommuDomainsDTO.of(p.name(), iommu(p).domains());
    }

    @Descriptor("the IOVA ranges allocated in a device's DMA domain, lowest first (reserved ones marked)")
    public TextDTO iova(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device) {
        Platform p = PlatformSelector.select(platforms, platform);
        Iommu iommu = iommu(p);
        List<String> ranges = iommu.iovaRanges(PlatformSelector.device(Streaming.api(p), device));
        return TextDTO.of(p.name(), "IOVA ranges of " + device, ranges.isEmpty()
            ? ShellFormatter.DMASIM_PREFIX + device + ": no IOVA range allocated" : String.join("\n", ranges));
    }

    @Descriptor("the page-table entries (leaves: level, size, output address, descriptor, permissions) that map"
        + " [IOVA, IOVA + SIZE) in a device's domain (default: one page)")
    public TextDTO pgtable(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("an IOVA (a bus address a map returned)") String iova) {
        return pgtable(platform, device, iova, "4096");
    }

    @Descriptor("the page-table entries (leaves: level, size, output address, descriptor, permissions) that map"
        + " [IOVA, IOVA + SIZE) in a device's domain (default: one page)")
    public TextDTO pgtable(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("an IOVA (a bus address a map returned)") String iova,
        @Descriptor(Args.SIZE) String size) {
        Platform p = PlatformSelector.select(platforms, platform);
        Iommu iommu = iommu(p);
        long at = Args.number("iova", iova);
        long n = Args.number("size", size);
        if (n <= 0) {
            throw new IllegalArgumentException("pgtable: size " + size + " (expected 1 byte or more)");
        }
        if (Long.compareUnsigned(at + n - 1, at) < 0) {
            throw new IllegalArgumentException("pgtable: iova " + iova + " + size " + size + " wraps around the"
                + " 64-bit address space");
        }
        List<String> lines = iommu.pageTable(PlatformSelector.device(Streaming.api(p), device), at, n);
        return TextDTO.of(p.name(), "page table of " + device, lines.isEmpty() ? String.format("%s%s: no page-table"
            + " entry maps [%#x, %#x]", ShellFormatter.DMASIM_PREFIX, device, at, at + n - 1) : String.join("\n", lines));
    }

    @Descriptor("the fault log: every line the IOMMUs' event handling printed (event 0x10 received: ...), oldest"
        + " first")
    public TextDTO faults(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = PlatformSelector.select(platforms, platform);
        List<String> log = iommu(p).faultLog();
        return TextDTO.of(p.name(), "IOMMU fault log", log.isEmpty()
            ? ShellFormatter.DMASIM_PREFIX + "no IOMMU fault recorded" : String.join("\n", log));
    }

    @Descriptor("the IOMMUs' counters: translations, IOTLB hits and misses, stale hits, faults, invalidation"
        + " commands, flush-queue use; and the simulated time")
    public IommuStatsDTO stats(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = PlatformSelector.select(platforms, platform);
        Iommu iommu = iommu(p);
        return IommuStatsDTO.of(p.name(), iommu.counters(), iommu.now());
    }

    @Descriptor("let MS milliseconds of simulated time pass: the lazy flush queues' 10 ms timers that expire on the"
        + " way fire (invalidating the IOTLB and freeing the IOVAs lazy unmaps queued)")
    public ResultDTO msleep(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("milliseconds: 10, 0x10") String ms) {
        Platform p = PlatformSelector.select(platforms, platform);
        Iommu iommu = iommu(p);
        long n = Args.plainNumber("ms", ms);
        if (n < 0 || n > Long.MAX_VALUE / 1_000_000) {
            throw new IllegalArgumentException("msleep: ms " + ms + " (expected 0 or more milliseconds, at most "
                + Long.MAX_VALUE / 1_000_000 + ")");
        }
        int fired = iommu.advance(n * 1_000_000);
        return ResultDTO.of(p.name(), "msleep", List.of(ms), String.format("%d flush-queue timer%s fired (simulated"
            + " time %s)", fired, fired == 1 ? "" : "s", ShellFormatter.millis(iommu.now())));
    }
}
