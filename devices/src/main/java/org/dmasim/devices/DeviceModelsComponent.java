package org.dmasim.devices;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.Platform;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockDriver;
import org.dmasim.devices.api.BlockHw;
import org.dmasim.devices.api.DeviceModels;
import org.dmasim.devices.api.NetDriver;
import org.dmasim.devices.api.NicConfig;
import org.osgi.service.component.annotations.Component;

/**
 * The bindings of simulated hardware to platforms' devices: one model per device at a time, keyed
 * by platform name and device name and remembering the {@link DmaDevice} it was bound to, so that a
 * binding made before a platform re-booted (its devices are new objects) no longer counts.
 */
@Component(service = DeviceModels.class)
public class DeviceModelsComponent implements DeviceModels {
    /** What is bound to one device. */
    private record Binding(DmaDevice device, Object model) {
    }

    private final Map<String, Binding> bindings = new ConcurrentHashMap<>();

    private static String key(Platform p, String device) {
        return p.name() + "\0" + device;
    }

    private static DmaDevice device(Facilities f, String name) {
        if (f.platform().state() != Platform.State.BOOTED) {
            throw new IllegalStateException("platform '" + f.name() + "' is " + f.platform().state()
                + " (devices need a BOOTED platform)");
        }
        DmaApi dma = f.dma();
        return dma.device(name).orElseThrow(() -> new IllegalArgumentException("platform '" + f.name()
            + "': no device '" + name + "' (devices: " + dma.devices().stream().map(DmaDevice::name).toList() + ")"));
    }

    private Optional<Object> bound(Platform p, String device) {
        Binding b = bindings.get(key(p, device));
        if (b == null) {
            return Optional.empty();
        }
        Optional<DmaDevice> now = p.state() == Platform.State.BOOTED
            ? p.lookup(DmaApi.class).flatMap(d -> d.device(device)) : Optional.empty();
        if (now.isEmpty() || now.get() != b.device()) {
            bindings.remove(key(p, device), b); // the platform re-booted: its old devices are gone
            return Optional.empty();
        }
        return Optional.of(b.model());
    }

    /** Binds {@code model} (made by {@code make} with the unbind action) to the device, or refuses. */
    private <T> T bind(Platform p, String name, java.util.function.BiFunction<DmaDevice, Runnable, T> make) {
        Facilities f = new Facilities(p);
        DmaDevice dev = device(f, name);
        String key = key(p, name);
        synchronized (bindings) {
            if (bound(p, name).isPresent()) {
                throw new IllegalArgumentException("platform '" + p.name() + "': device " + name
                    + " already has a driver bound (-EBUSY); remove it first");
            }
            Binding[] mine = new Binding[1];
            T model = make.apply(dev, () -> bindings.remove(key, mine[0]));
            mine[0] = new Binding(dev, model);
            bindings.put(key, mine[0]);
            return model;
        }
    }

    @Override
    public NetDriver probeNic(Platform platform, String device, NicConfig config) {
        return bind(platform, device, (dev, unbind) -> RingNicDriver.probe(new Facilities(platform), dev, config,
            unbind));
    }

    @Override
    public BlockDriver probeBlock(Platform platform, String device, BlockConfig config) {
        return bind(platform, device, (dev, unbind) -> {
            Facilities f = new Facilities(platform);
            SgBlockDriver.configureDma(f.dma(), dev, config);
            SgBlock hw = new SgBlock(new SimBusMaster(f, dev, config.limits()), config.capacitySectors(),
                config.maxTransferBytes());
            return new SgBlockDriver(f, dev, config, hw, unbind);
        });
    }

    @Override
    public BlockHw attachBlockHw(Platform platform, String device, BlockConfig config) {
        return bind(platform, device, (dev, unbind) -> new SgBlock(new SimBusMaster(new Facilities(platform), dev,
            config.limits()), config.capacitySectors(), config.maxTransferBytes()));
    }

    @Override
    public Optional<NetDriver> nic(Platform platform, String device) {
        return bound(platform, device).filter(NetDriver.class::isInstance).map(NetDriver.class::cast);
    }

    @Override
    public Optional<BlockDriver> block(Platform platform, String device) {
        return bound(platform, device).filter(BlockDriver.class::isInstance).map(BlockDriver.class::cast);
    }

    @Override
    public void detach(Platform platform, String device) {
        Optional<Object> b = bound(platform, device);
        if (b.isEmpty()) {
            throw new IllegalArgumentException("platform '" + platform.name() + "': nothing is bound to " + device);
        }
        if (!(b.get() instanceof BlockHw)) {
            throw new IllegalArgumentException("platform '" + platform.name() + "': " + device
                + " has a driver of this bundle bound; remove it with the driver's remove");
        }
        bindings.remove(key(platform, device));
    }
}
