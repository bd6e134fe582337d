package org.dmasim.shell.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaApiDebug;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.DebugfsDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma_debug}: DMA-API debugging ({@code kernel/dma/debug.c}) of a platform whose
 * kernel has {@code DMA_API_DEBUG=y}: its debugfs directory {@code /sys/kernel/debug/dma-api/}
 * (read, and the writable files written as {@code echo VALUE > FILE} writes them), and binding
 * and unbinding a device's driver, whose unbind is where the kernel reports leaked mappings.
 */
@Component(service = DmaDebugCommands.class, property = {
    "osgi.command.scope=dma_debug",
    "osgi.command.function=debugfs",
    "osgi.command.function=dump",
    "osgi.command.function=error_count",
    "osgi.command.function=all_errors",
    "osgi.command.function=num_errors",
    "osgi.command.function=driver_filter",
    "osgi.command.function=driver_bind",
    "osgi.command.function=driver_unbind"
})
public class DmaDebugCommands {
    private static final String ROOT = "/sys/kernel/debug/dma-api";

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private static DmaApi api(Platform p) {
        return PlatformSelector.facility(p, DmaApi.class, "dma.core");
    }

    private static DmaApiDebug debug(Platform p) {
        return api(p).dmaDebug().orElseThrow(() -> new IllegalStateException("platform '" + p.name() + "': its"
            + " kernel is built without DMA-API debugging, so there is no " + ROOT + " (boot it with"
            + " --kconfig DMA_API_DEBUG=y or the profile line kconfig.DMA_API_DEBUG = y)"));
    }

    private static DmaDevice device(DmaApi api, String name) {
        return api.device(name).orElseThrow(() -> new IllegalArgumentException("no device '" + name + "' (devices: "
            + api.devices().stream().map(DmaDevice::name).toList() + ")"));
    }

    @Descriptor("show the files of /sys/kernel/debug/dma-api: disabled, error_count, all_errors, num_errors,"
        + " the entry pool's counts, driver_filter (dma_debug:dump shows dump)")
    public DebugfsDTO debugfs(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        Map<String, String> files = new LinkedHashMap<>(debug(p).debugfs());
        files.remove("dump"); // dma_debug:dump shows it, one line per entry
        return DebugfsDTO.of(p.name(), ROOT, files);
    }

    @Descriptor("show dma-api/dump: one line per live mapping or buffer (driver, device, type, hash bucket,"
        + " physical address, pfn, bus address, length, direction, map error state)")
    public TextDTO dump(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), ROOT + "/dump", debug(p).read("dump"));
    }

    @Descriptor("show dma-api/error_count: the errors DMA-API debugging found, printed or not")
    public ResultDTO error_count(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        return ResultDTO.number(p.name(), "error_count", List.of(), debug(p).errorCount(), false);
    }

    /** Reads a u32 file, or writes it when a value is given. */
    private ResultDTO counter(String platform, String file, String value) {
        Platform p = platform(platform);
        DmaApiDebug d = debug(p);
        List<String> printed = value == null ? List.of() : d.write(file, value);
        long now = Long.parseLong(d.read(file).strip());
        return ResultDTO.number(p.name(), file, value == null ? List.of() : List.of(value), now, false)
            .printed(printed);
    }

    @Descriptor("show dma-api/all_errors: 0 prints only num_errors errors, anything else prints every error")
    public ResultDTO all_errors(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        return counter(platform, "all_errors", null);
    }

    @Descriptor("write dma-api/all_errors (1: print every error from now on, 0: only num_errors more)")
    public ResultDTO all_errors(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("a number as the kernel reads it: 1, 0, 0x10") String value) {
        return counter(platform, "all_errors", value);
    }

    @Descriptor("show dma-api/num_errors: how many more errors are printed (1 at boot)")
    public ResultDTO num_errors(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        return counter(platform, "num_errors", null);
    }

    @Descriptor("write dma-api/num_errors: print the next VALUE errors")
    public ResultDTO num_errors(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("a number as the kernel reads it: 5, 0x10") String value) {
        return counter(platform, "num_errors", value);
    }

    @Descriptor("show dma-api/driver_filter: the driver whose errors alone are printed (empty: all drivers)")
    public ResultDTO driver_filter(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Parameter(names = {"--off"}, absentValue = "false", presentValue = "true")
        @Descriptor("switch the filter off (echo > driver_filter)") boolean off) {
        Platform p = platform(platform);
        DmaApiDebug d = debug(p);
        List<String> printed = off ? d.write("driver_filter", "\n") : List.of();
        return ResultDTO.of(p.name(), "driver_filter", off ? List.of("--off") : List.of(),
            d.read("driver_filter").strip()).printed(printed);
    }

    @Descriptor("write dma-api/driver_filter: print only the errors of devices bound to DRIVER")
    public ResultDTO driver_filter(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("a driver name (its first word counts; a first character that is not a letter or digit"
            + " switches the filter off)") String driver) {
        Platform p = platform(platform);
        DmaApiDebug d = debug(p);
        List<String> printed = d.write("driver_filter", driver);
        return ResultDTO.of(p.name(), "driver_filter", List.of(driver), d.read("driver_filter").strip())
            .printed(printed);
    }

    @Descriptor("bind DRIVER to a device (echo DEVICE > /sys/bus/BUS/drivers/DRIVER/bind): the kernel's"
        + " messages about the device name the driver from now on")
    public ResultDTO driver_bind(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("the driver's name, e.g. e1000e") String driver) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        api.bindDriver(device(api, device), driver);
        return ResultDTO.of(p.name(), "driver_bind", List.of(device, driver), driver);
    }

    @Descriptor("unbind a device's driver (echo DEVICE > .../unbind): DMA-API debugging reports a PCI device"
        + " that still holds mappings or buffers")
    public ResultDTO driver_unbind(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        List<String> printed = api.unbindDriver(device(api, device));
        return ResultDTO.of(p.name(), "driver_unbind", List.of(device), null).printed(printed);
    }
}
