package org.dmasim.shell.internal;

import static org.dmasim.shell.internal.Streaming.given;
import static org.dmasim.shell.internal.Streaming.run;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.MappingDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.internal.Streaming.Target;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma}: the syncs of one streaming mapping ({@code dma_sync_single_*} and
 * {@code dma_sync_single_range_*}), which hand its bytes between the CPU and the device: cache
 * maintenance on a non-coherent device, bounce-buffer copies under swiotlb. Each takes what a map
 * returned ({@link StreamingCommands}) or a bus address, size and direction; the syncs of a
 * scatter-gather list are {@link SgCommands}'.
 */
@Component(service = SyncCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=dma_sync_single_for_cpu",
    "osgi.command.function=dma_sync_single_for_device",
    "osgi.command.function=dma_sync_single_range_for_cpu",
    "osgi.command.function=dma_sync_single_range_for_device"
})
public class SyncCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    /** A single sync, or with {@code offset >= 0} a range sync ({@code dma_sync_single_range_for_*}). */
    private ResultDTO sync(String platform, String function, String device, long dma, long offset, long size,
        DmaDirection dir) {
        Target t = Target.of(platforms, platform, device);
        boolean forCpu = function.endsWith("for_cpu");
        List<String> printed = new ArrayList<>();
        run(t.platform(), printed, () -> {
            if (offset >= 0) {
                if (forCpu) {
                    t.api().syncSingleRangeForCpu(t.dev(), DmaAddr.of(dma), offset, size, dir);
                } else {
                    t.api().syncSingleRangeForDevice(t.dev(), DmaAddr.of(dma), offset, size, dir);
                }
            } else if (forCpu) {
                t.api().syncSingleForCpu(t.dev(), DmaAddr.of(dma), size, dir);
            } else {
                t.api().syncSingleForDevice(t.dev(), DmaAddr.of(dma), size, dir);
            }
        });
        List<String> args = new ArrayList<>(List.of(device, ShellFormatter.hex(dma)));
        if (offset >= 0) {
            args.add(ShellFormatter.hex(offset));
        }
        args.addAll(List.of(ShellFormatter.hex(size), dir.kernelName()));
        return ResultDTO.of(t.platform().name(), function, args, null).printed(printed);
    }

    /** A sync of a whole mapping a map returned. */
    private ResultDTO whole(MappingDTO m, String function) {
        given(m, "mapping");
        return sync(m.platform, function, m.device, m.dma, -1, m.size, DmaDirection.parse(m.dir));
    }

    /** A sync of SIZE bytes from OFFSET into a mapping a map returned. */
    private ResultDTO range(MappingDTO m, String function, String offset, String size) {
        given(m, "mapping");
        return sync(m.platform, function, m.device, m.dma, Args.number("offset", offset), Args.number("size", size),
            DmaDirection.parse(m.dir));
    }

    /** A sync at a bus address, as the user wrote it. */
    private ResultDTO at(String platform, String function, String device, String dmaAddr, String size, String dir) {
        return sync(platform, function, device, Args.number("dma_addr", dmaAddr), -1, Args.number("size", size),
            DmaDirection.parse(dir));
    }

    @Descriptor("give a mapping to the CPU: cache maintenance on a non-coherent device, then a bounce buffer copied"
        + " back (FROM_DEVICE/BIDIRECTIONAL)")
    public ResultDTO dma_sync_single_for_cpu(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        return whole(mapping, "dma_sync_single_for_cpu");
    }

    @Descriptor("sync SIZE bytes at a bus address for the CPU")
    public ResultDTO dma_sync_single_for_cpu(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return at(platform, "dma_sync_single_for_cpu", device, dma_addr, size, dir);
    }

    @Descriptor("give a mapping back to the device: a bounce buffer copied out (TO_DEVICE/BIDIRECTIONAL), then cache"
        + " maintenance on a non-coherent device")
    public ResultDTO dma_sync_single_for_device(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        return whole(mapping, "dma_sync_single_for_device");
    }

    @Descriptor("sync SIZE bytes at a bus address for the device")
    public ResultDTO dma_sync_single_for_device(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return at(platform, "dma_sync_single_for_device", device, dma_addr, size, dir);
    }

    @Descriptor("sync SIZE bytes from OFFSET into a mapping for the CPU")
    public ResultDTO dma_sync_single_range_for_cpu(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor("byte offset into the mapping") String offset, @Descriptor(Args.SIZE) String size) {
        return range(mapping, "dma_sync_single_range_for_cpu", offset, size);
    }

    @Descriptor("sync SIZE bytes from OFFSET into a mapping for the device")
    public ResultDTO dma_sync_single_range_for_device(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor("byte offset into the mapping") String offset, @Descriptor(Args.SIZE) String size) {
        return range(mapping, "dma_sync_single_range_for_device", offset, size);
    }
}
