package org.dmasim.shell.internal;

import static org.dmasim.shell.internal.Streaming.bounce;
import static org.dmasim.shell.internal.Streaming.capturing;
import static org.dmasim.shell.internal.Streaming.given;
import static org.dmasim.shell.internal.Streaming.run;
import static org.dmasim.shell.internal.Streaming.withAttrs;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.SgMappingDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.internal.Streaming.Bounce;
import org.dmasim.shell.internal.Streaming.Target;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma}: scatter-gather lists, {@code dma_map_sg} and {@code dma_map_sgtable}
 * and the unmaps and syncs that take the very list the map filled in. The map returns an
 * {@link SgMappingDTO}, each entry with its DMA segment and the swiotlb slot it bounced to. The
 * sgtable forms are the kernel's wrappers: the map returns 0 or a negative errno and sets the
 * table's {@code nents}; the unmap and syncs pass {@code orig_nents}.
 */
@Component(service = SgCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=dma_map_sg",
    "osgi.command.function=dma_unmap_sg",
    "osgi.command.function=dma_sync_sg_for_cpu",
    "osgi.command.function=dma_sync_sg_for_device",
    "osgi.command.function=dma_map_sgtable",
    "osgi.command.function=dma_unmap_sgtable",
    "osgi.command.function=dma_sync_sgtable_for_cpu",
    "osgi.command.function=dma_sync_sgtable_for_device"
})
public class SgCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    @Descriptor("map a scatter-gather list, each entry ADDR:LEN (a kernel virtual address, as sg_set_buf takes it);"
        + " entries map one by one, each bouncing on its own; $sg = ... keeps it for dma_unmap_sg $sg")
    public SgMappingDTO dma_map_sg(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DIR) String dir,
        @Descriptor(Args.SG_ENTRIES) String entries) {
        return map("dma_map_sg", platform, device, dir, entries, "0");
    }

    @Descriptor("map a scatter-gather list, each entry ADDR:LEN (a kernel virtual address, as sg_set_buf takes it);"
        + " entries map one by one, each bouncing on its own; $sg = ... keeps it for dma_unmap_sg $sg")
    public SgMappingDTO dma_map_sg(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DIR) String dir,
        @Descriptor(Args.SG_ENTRIES) String entries, @Descriptor(Args.ATTRS) String attrs) {
        return map("dma_map_sg", platform, device, dir, entries, attrs);
    }

    @Descriptor("map a scatter-gather table, each entry ADDR:LEN (a kernel virtual address, as sg_set_buf takes it):"
        + " 0 and the table's nents, or -EINVAL/-ENOMEM/-EIO; $sgt = ... keeps it for dma_unmap_sgtable $sgt")
    public SgMappingDTO dma_map_sgtable(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DIR) String dir,
        @Descriptor(Args.SG_ENTRIES) String entries) {
        return map("dma_map_sgtable", platform, device, dir, entries, "0");
    }

    @Descriptor("map a scatter-gather table, each entry ADDR:LEN (a kernel virtual address, as sg_set_buf takes it):"
        + " 0 and the table's nents, or -EINVAL/-ENOMEM/-EIO; $sgt = ... keeps it for dma_unmap_sgtable $sgt")
    public SgMappingDTO dma_map_sgtable(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DIR) String dir,
        @Descriptor(Args.SG_ENTRIES) String entries, @Descriptor(Args.ATTRS) String attrs) {
        return map("dma_map_sgtable", platform, device, dir, entries, attrs);
    }

    /**
     * {@code dma_map_sg} (returns the DMA segments, 0 on failure) or {@code dma_map_sgtable}
     * (returns 0 and sets the table's nents, or a negative errno) of a list made from the entries.
     */
    private SgMappingDTO map(String function, String platform, String device, String dir, String entries,
        String attrs) {
        Target t = Target.of(platforms, platform, device);
        DmaDirection d = DmaDirection.parse(dir);
        long a = Args.attrs(attrs);
        SgTable sg = sgTable(function, t.api().kernelVm(), entries);
        List<String> printed = new ArrayList<>();
        boolean table = function.equals("dma_map_sgtable");
        int returned = capturing(t.platform(), printed, () -> table ? t.api().mapSgtable(t.dev(), sg, d, a)
            : t.api().mapSg(t.dev(), sg, sg.origNents(), d, a));
        int segments = !table ? returned : returned == 0 ? sg.nents() : 0;
        return mapped(t, function, List.of(device, d.kernelName(), entries), d, a, attrs, sg, returned, segments,
            printed);
    }

    /** What a map of a list returned: the call, the list the map filled in, each entry's DMA side. */
    private static SgMappingDTO mapped(Target t, String function, List<String> args, DmaDirection d, long a,
        String attrs, SgTable sg, int returned, int segments, List<String> printed) {
        SgMappingDTO g = new SgMappingDTO();
        g.platform = t.platform().name();
        g.device = t.dev().name();
        g.function = function;
        g.args = withAttrs(args, a, attrs);
        g.dir = d.kernelName();
        g.attrs = a;
        g.nents = sg.origNents();
        g.returned = returned;
        g.segments = segments;
        g.table = sg;
        g.translated = Streaming.translated(t.platform(), t.dev());
        g.entries = entries(t.platform(), t.api(), t.dev(), sg, segments);
        g.printed = List.copyOf(printed);
        return g;
    }

    private static List<SgMappingDTO.Entry> entries(Platform p, DmaApi api, DmaDevice dev, SgTable sg, int mapped) {
        List<SgMappingDTO.Entry> out = new ArrayList<>();
        for (int i = 0; i < sg.origNents(); i++) {
            Bounce b = i < mapped ? bounce(p, api, dev, sg.dmaAddress(i), sg.dmaLength(i)) : null;
            out.add(new SgMappingDTO.Entry(sg.phys(i), sg.length(i), sg.dmaAddress(i), sg.dmaLength(i),
                b == null ? null : b.pool(), b == null ? -1 : b.slot()));
        }
        return out;
    }

    /** {@code sg_init_table} + {@code sg_set_buf} per ADDR:LEN entry. */
    static SgTable sgTable(String function, KernelVm vm, String entries) {
        String[] parts = entries.strip().split(",");
        long[] phys = new long[parts.length];
        long[] len = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String[] al = parts[i].strip().split(":");
            if (al.length != 2) {
                throw new IllegalArgumentException(function + ": entry " + i + " '" + parts[i].strip()
                    + "' (expected ADDR:LEN, e.g. 0xffff000080000000:4096)");
            }
            long addr = Args.number("entry " + i + " address", al[0]);
            if (!vm.isLinear(addr)) {
                throw new IllegalArgumentException(String.format("%s: entry %d: %#x is not a linear-map address"
                    + " (sg_set_buf needs one: virt_to_page of a vmalloc or unknown address is no page)", function, i,
                    addr));
            }
            phys[i] = vm.toPhys(addr);
            len[i] = Args.number("entry " + i + " length", al[1]);
        }
        return SgTable.of(phys, len);
    }

    /** The unmap or a sync of a list the map filled in, with the map's nents and direction. */
    private ResultDTO sgCall(SgMappingDTO g, String function, String attrs) {
        given(g, "list");
        Target t = Target.of(platforms, g.platform, g.device);
        if (g.table == null) {
            throw new IllegalArgumentException(function + ": the list of " + g.device + " is not one dma:dma_map_sg or"
                + " dma:dma_map_sgtable made in this session (pass the object the map returned)");
        }
        DmaDirection d = DmaDirection.parse(g.dir);
        long a = Args.attrs(attrs);
        List<String> printed = new ArrayList<>();
        run(t.platform(), printed, () -> {
            // The sgtable forms pass the table's orig_nents, the very count the map was given.
            switch (function) {
                case "dma_unmap_sg" -> t.api().unmapSg(t.dev(), g.table, g.nents, d, a);
                case "dma_unmap_sgtable" -> t.api().unmapSgtable(t.dev(), g.table, d, a);
                case "dma_sync_sg_for_cpu" -> t.api().syncSgForCpu(t.dev(), g.table, g.nents, d);
                case "dma_sync_sgtable_for_cpu" -> t.api().syncSgForCpu(t.dev(), g.table, g.table.origNents(), d);
                case "dma_sync_sgtable_for_device" -> t.api().syncSgForDevice(t.dev(), g.table, g.table.origNents(), d);
                default -> t.api().syncSgForDevice(t.dev(), g.table, g.nents, d);
            }
        });
        List<String> args = function.contains("sgtable")
            ? List.of(g.device, "sgt " + ShellFormatter.hex(g.table.dmaAddress(0)), g.dir)
            : List.of(g.device, "sg " + ShellFormatter.hex(g.table.dmaAddress(0)), Integer.toString(g.nents), g.dir);
        return ResultDTO.of(t.platform().name(), function, withAttrs(args, a, attrs), null).printed(printed);
    }

    @Descriptor("unmap what dma_map_sg returned, with the map's nents")
    public ResultDTO dma_unmap_sg(@Descriptor(Args.SG) SgMappingDTO sg) {
        return sgCall(sg, "dma_unmap_sg", "0");
    }

    @Descriptor("unmap what dma_map_sg returned, with the map's nents")
    public ResultDTO dma_unmap_sg(@Descriptor(Args.SG) SgMappingDTO sg, @Descriptor(Args.ATTRS) String attrs) {
        return sgCall(sg, "dma_unmap_sg", attrs);
    }

    @Descriptor("give a mapped list to the CPU: cache maintenance, then bounce buffers copied back")
    public ResultDTO dma_sync_sg_for_cpu(@Descriptor(Args.SG) SgMappingDTO sg) {
        return sgCall(sg, "dma_sync_sg_for_cpu", "0");
    }

    @Descriptor("give a mapped list back to the device: bounce buffers copied out, then cache maintenance")
    public ResultDTO dma_sync_sg_for_device(@Descriptor(Args.SG) SgMappingDTO sg) {
        return sgCall(sg, "dma_sync_sg_for_device", "0");
    }

    @Descriptor("unmap what dma_map_sgtable returned (the table's orig_nents, as the kernel's wrapper passes)")
    public ResultDTO dma_unmap_sgtable(@Descriptor(Args.SG) SgMappingDTO sgt) {
        return sgCall(sgt, "dma_unmap_sgtable", "0");
    }

    @Descriptor("unmap what dma_map_sgtable returned (the table's orig_nents, as the kernel's wrapper passes)")
    public ResultDTO dma_unmap_sgtable(@Descriptor(Args.SG) SgMappingDTO sgt, @Descriptor(Args.ATTRS) String attrs) {
        return sgCall(sgt, "dma_unmap_sgtable", attrs);
    }

    @Descriptor("give a mapped table to the CPU: cache maintenance, then bounce buffers copied back")
    public ResultDTO dma_sync_sgtable_for_cpu(@Descriptor(Args.SG) SgMappingDTO sgt) {
        return sgCall(sgt, "dma_sync_sgtable_for_cpu", "0");
    }

    @Descriptor("give a mapped table back to the device: bounce buffers copied out, then cache maintenance")
    public ResultDTO dma_sync_sgtable_for_device(@Descriptor(Args.SG) SgMappingDTO sgt) {
        return sgCall(sgt, "dma_sync_sgtable_for_device", "0");
    }
}
