package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.shell.format.MappingDTO;
import org.dmasim.shell.format.ShellFormatter;

/**
 * What the streaming commands share ({@link StreamingCommands}, {@link SyncCommands},
 * {@link SgCommands}, {@link DeviceAccessCommands}): the device a command names, the kernel log
 * lines a call printed, and a mapping as the shell shows it, with the swiotlb slot behind it.
 */
final class Streaming {
    private Streaming() {
    }

    /** The platform, its DMA API and the device a command names, looked up in that order. */
    record Target(Platform platform, DmaApi api, DmaDevice dev) {
        static Target of(List<Platform> platforms, String platform, String device) {
            Platform p = PlatformSelector.select(platforms, platform);
            DmaApi api = Streaming.api(p);
            return new Target(p, api, PlatformSelector.device(api, device));
        }
    }

    /** Where a bus range bounces: the swiotlb pool's name and the range's first slot there. */
    record Bounce(String pool, long slot) {
    }

    static DmaApi api(Platform p) {
        return PlatformSelector.facility(p, DmaApi.class, "dma.core");
    }

    /** The mapping a command was given; a variable that holds none (unset, or a failed command's) is named. */
    static <T> T given(T dto, String what) {
        if (dto == null) {
            throw new IllegalArgumentException("no " + what + " given (the variable is empty: " + (what.equals("list")
                ? Args.SG : Args.MAPPING) + ")");
        }
        return dto;
    }

    /** Runs a call and returns what the kernel printed meanwhile, as the shell prints log lines. */
    static <T> T capturing(Platform p, List<String> printed, Supplier<T> call) {
        int before = p.bootLog().lines().size();
        try {
            return call.get();
        } finally {
            List<LogLine> after = p.bootLog().lines();
            after.subList(Math.min(before, after.size()), after.size()).forEach(l -> printed.add(
                ShellFormatter.logLine(l)));
        }
    }

    static void run(Platform p, List<String> printed, Runnable call) {
        capturing(p, printed, () -> {
            call.run();
            return null;
        });
    }

    /** A call's arguments as the user wrote them: the attributes only when there are any. */
    static List<String> withAttrs(List<String> args, long attrs, String written) {
        List<String> out = new ArrayList<>(args);
        if (attrs != 0) {
            out.add(written);
        }
        return out;
    }

    /** The bounce pool holding the bus range and the range's first slot there; null when it is no bounce buffer. */
    static Bounce bounce(Platform p, DmaApi api, DmaDevice dev, long dma, long size) {
        if (dma == DmaAddr.MAPPING_ERROR_VALUE || translated(p, dev)) {
            return null;
        }
        long phys;
        try {
            phys = api.deviceAccess(dev, new DmaAddr(dma), Math.max(size, 1)).value();
        } catch (RuntimeException e) {
            return null; // out of the device's windows, or revoked: no bounce buffer to name
        }
        SwiotlbPool pool = p.lookup(SwiotlbPool.class).orElse(null);
        if (pool == null) {
            return null;
        }
        List<SwiotlbPool> all = new ArrayList<>(List.of(pool));
        all.addAll(pool.restrictedPools());
        for (SwiotlbPool x : all) {
            if (x.isSwiotlbBuffer(phys)) {
                return new Bounce(x.name(), (phys - x.start()) >>> SwiotlbPool.IO_TLB_SHIFT);
            }
        }
        return null;
    }

    /**
     * Whether an IOMMU translates the device's DMA (dma-iommu bounces nothing here: no dmasim
     * device is untrusted). Asking the bus where such a mapping lands would be a device access:
     * it would fill the IOTLB and count translations the device never made.
     */
    static boolean translated(Platform p, DmaDevice dev) {
        return p.lookup(Iommu.class).flatMap(i -> i.group(dev)).filter(g -> !g.type().equals("identity"))
            .isPresent();
    }

    /** A live mapping as the shell shows it; {@code args} is null for one the command did not make. */
    static MappingDTO mapping(Platform p, DmaApi api, DmaDevice dev, String function, List<String> args,
        long dma, long size, DmaDirection dir, long attrs, long phys) {
        MappingDTO m = new MappingDTO();
        m.platform = p.name();
        m.device = dev.name();
        m.function = function;
        m.args = args == null ? null : List.copyOf(args);
        m.dma = dma;
        m.size = size;
        m.dir = dir.kernelName();
        m.attrs = attrs;
        m.phys = phys;
        m.mappingError = api.mappingError(dev, DmaAddr.of(dma));
        m.translated = translated(p, dev);
        Bounce b = bounce(p, api, dev, dma, size);
        if (b != null) {
            m.bouncePool = b.pool();
            m.slot = b.slot();
        }
        return m;
    }
}
