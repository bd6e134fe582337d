package org.dmasim.samples.userdma;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.Platform;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockHw;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.DeviceModels;
import org.dmasim.samples.userdma.api.SimProcess;
import org.dmasim.samples.userdma.api.UserDma;
import org.dmasim.samples.userdma.api.UserDmaDevice;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The sample's service: processes and bound drivers per platform (by name). The hardware comes
 * from the devices bundle: a scatter-gather block device with 64-bit addressing, 64 KiB segments,
 * no segment boundary and 256 KiB per request.
 */
@Component(service = UserDma.class)
public class UserDmaComponent implements UserDma {
    /** The hardware behind the sample driver. */
    static final BlockConfig HARDWARE = BlockConfig.of(64).withLimits(new BusLimits(64, 0x10000, -1L));

    private final DeviceModels models;
    private final Map<String, UserDmaDevice> drivers = new ConcurrentHashMap<>();
    private final Map<String, ProcessMm> processes = new ConcurrentHashMap<>();
    /** Pin counts of page frames, per platform. */
    private final Map<String, Map<Long, Integer>> pins = new ConcurrentHashMap<>();

    @Activate
    public UserDmaComponent(@Reference DeviceModels models) {
        this.models = models;
    }

    private static String key(Platform p, String name) {
        return p.name() + "\0" + name;
    }

    @Override
    public synchronized UserDmaDevice probe(Platform platform, String device, long bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("userdma: buffer size " + bufferSize + " (expected: at least 1 byte)");
        }
        BlockHw hw = models.attachBlockHw(platform, device, HARDWARE);
        DmaApi dma = platform.lookup(DmaApi.class).orElseThrow();
        DmaDevice dev = dma.device(device).orElseThrow();
        CoherentBuffer buf;
        try {
            buf = UserDmaDriver.allocBuffer(dma, dev, bufferSize);
        } catch (IllegalStateException e) {
            models.detach(platform, device);
            throw e;
        }
        String key = key(platform, device);
        UserDmaDevice d = new UserDmaDriver(platform, dev, hw, buf, () -> {
            drivers.remove(key);
            models.detach(platform, device);
        });
        drivers.put(key, d);
        return d;
    }

    @Override
    public Optional<UserDmaDevice> device(Platform platform, String device) {
        return Optional.ofNullable(drivers.get(key(platform, device)));
    }

    @Override
    public synchronized SimProcess spawn(Platform platform, String name) {
        String key = key(platform, name);
        ProcessMm old = processes.get(key);
        if (old != null) {
            throw new IllegalArgumentException("platform '" + platform.name() + "': a process named " + name
                + " exists already");
        }
        ProcessMm p = new ProcessMm(name, platform, pins.computeIfAbsent(platform.name(),
            k -> new ConcurrentHashMap<>()));
        processes.put(key, p);
        return p;
    }

    @Override
    public Optional<SimProcess> process(Platform platform, String name) {
        return Optional.ofNullable(processes.get(key(platform, name)));
    }
}
