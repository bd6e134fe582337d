package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.mm.Page;

/**
 * What {@code dmasim:device} shows of one device ({@link DmaApi#deviceInfo}): its masks and
 * {@code dma_parms}, where its coherent memory comes from (its CMA area or per-device pool), its
 * ops and swiotlb, its live mappings, and every backend instance that serves it or still holds
 * something of it, with how much of that is the device's.
 */
final class DeviceView {
    private final DmaEnv env;
    private final AllocationTracker tracker;

    DeviceView(DmaEnv env, AllocationTracker tracker) {
        this.env = env;
        this.tracker = tracker;
    }

    /** The view of {@code dev}, with the answers of the DMA API's own functions passed in. */
    DeviceInfoDTO of(Device dev, long requiredMask, long maxMappingSize, long optMappingSize) {
        DeviceInfoDTO info = new DeviceInfoDTO();
        info.name = dev.name();
        info.bus = dev.busName();
        info.driver = dev.driverName();
        info.ofNode = dev.ofPath().orElse(null);
        info.hostBridge = dev.hostBridge().orElse(null);
        info.coherent = dev.coherent();
        info.dmaMask = dev.dmaMask();
        info.coherentDmaMask = dev.coherentDmaMask();
        info.singleMask = dev.singleMask();
        info.busDmaLimit = dev.busDmaLimit();
        info.dmaRanges = dev.dmaRanges().stream().map(DeviceInfoDTO.DmaRangeDTO::of).toList();
        info.maxSegmentSize = dev.maxSegmentSize();
        info.segmentBoundaryMask = dev.segmentBoundary();
        info.minAlignMask = dev.minAlignMask();
        info.requiredMask = requiredMask;
        info.cmaArea = cmaArea(dev);
        info.coherentPool = coherentPool(dev.dmaMem);
        info.dmaOps = Optional.ofNullable(dev.dmaOps).map(DmaOps::name).orElse(DmaOps.DIRECT);
        info.swiotlbActive = env.swiotlbActive(dev);
        info.swiotlbForceBounce = env.swiotlbForceBounce(dev);
        info.maxMappingSize = maxMappingSize;
        info.optMappingSize = optMappingSize;
        List<Mapping> live = dev.mappings();
        info.mappings = live.size();
        info.backends = backends(dev, live);
        return info;
    }

    /** The instances serving the device now, then the others that hold something of it. */
    private List<DeviceInfoDTO.BackendDTO> backends(Device dev, List<Mapping> live) {
        Map<BackendInstance, long[]> forDevice = new LinkedHashMap<>();
        Optional.ofNullable(dev.dmaOps).flatMap(DmaOps::instance).ifPresent(b -> forDevice.put(b, new long[1]));
        env.swiotlb().ifPresent(s -> forDevice.put(s.instance(), new long[1]));
        if (dev.cmaAreaName != null || env.defaultCma().isPresent()) {
            env.cma().ifPresent(s -> forDevice.put(s.instance(), new long[1]));
        }
        if (!dev.coherent() && env.arch().directRemap()) {
            env.atomicPools().ifPresent(s -> forDevice.put(s.instance(), new long[1]));
        }
        for (Mapping m : live) {
            count(forDevice, m.backendOrNull());
            count(forDevice, m.opsInstance());
        }
        for (AllocationTracker.Coherent c : tracker.of(dev.name())) {
            count(forDevice, c.allocation().backend().orElse(null));
            count(forDevice, c.ops().instance().orElse(null));
        }
        List<DeviceInfoDTO.BackendDTO> out = new ArrayList<>();
        forDevice.forEach((b, n) -> {
            DeviceInfoDTO.BackendDTO d = new DeviceInfoDTO.BackendDTO();
            d.kind = b.kind();
            d.id = b.id();
            d.state = b.state().name();
            d.description = b.description();
            d.held = b.held();
            d.heldForDevice = n[0];
            out.add(d);
        });
        return out;
    }

    private static void count(Map<BackendInstance, long[]> counts, BackendInstance b) {
        if (b != null) {
            counts.computeIfAbsent(b, k -> new long[1])[0]++;
        }
    }

    /** {@code dev_get_cma_area}: the device's own area, else the default one (of the CMA instance serving now). */
    private DeviceInfoDTO.CmaAreaDTO cmaArea(Device dev) {
        String ownName = dev.cmaAreaName;
        CmaArea own = ownName == null ? null
            : env.cma().flatMap(s -> s.service().byName(ownName)).orElse(null);
        CmaArea area = ownName != null ? own : env.defaultCma().orElse(null);
        if (area == null) {
            return null;
        }
        DeviceInfoDTO.CmaAreaDTO c = new DeviceInfoDTO.CmaAreaDTO();
        c.name = area.name();
        c.base = Page.pfnPhys(area.basePfn());
        c.size = area.count() << Page.PAGE_SHIFT;
        c.perDevice = own != null;
        return c;
    }

    private static DeviceInfoDTO.CoherentPoolDTO coherentPool(DeviceCoherentMem mem) {
        if (mem == null) {
            return null;
        }
        DeviceInfoDTO.CoherentPoolDTO p = new DeviceInfoDTO.CoherentPoolDTO();
        p.name = mem.name;
        p.phys = mem.physBase;
        p.deviceBase = mem.deviceBase;
        p.size = mem.size();
        p.used = (long) mem.usedPages() << Page.PAGE_SHIFT;
        return p;
    }
}
