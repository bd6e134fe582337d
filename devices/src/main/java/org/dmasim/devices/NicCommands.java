package org.dmasim.devices;

import static org.dmasim.devices.StatLines.appendBus;
import static org.dmasim.devices.StatLines.stat;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.platform.Platform;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.BusMaster;
import org.dmasim.devices.api.DeviceModels;
import org.dmasim.devices.api.NetDriver;
import org.dmasim.devices.api.NicConfig;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code nic}: the ring network device and its driver from a script. {@code probe} and
 * {@code remove} bind and unbind the driver; {@code xmit} is the stack's {@code ndo_start_xmit};
 * {@code receive} is a frame arriving from the wire, which the device writes into the next posted
 * RX buffer; {@code poll} is the NAPI poll that hands received frames up, each compared with what
 * the device wrote (a driver that forgot {@code dma_sync_single_for_cpu} reads stale cache lines on
 * a non-coherent device); {@code rings} and {@code stats} show the rings and the counters.
 */
@Component(service = NicCommands.class, property = {
    "osgi.command.scope=nic",
    "osgi.command.function=probe",
    "osgi.command.function=remove",
    "osgi.command.function=xmit",
    "osgi.command.function=receive",
    "osgi.command.function=poll",
    "osgi.command.function=rings",
    "osgi.command.function=stats"
})
public class NicCommands {
    /** The largest frame the device's 16-bit length fields carry. */
    private static final int MAX_FRAME = 0xffff;

    @Reference
    DeviceModels models;

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private RingNicDriver driver(Platform p, String device) {
        return (RingNicDriver) ShellArgs.bound(models.nic(p, device), "nic", p, device);
    }

    @Descriptor("probe the ring NIC driver on a device: RX/TX rings in coherent memory, RX buffers mapped once")
    public ResultDTO probe(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Parameter(names = {"--bits"}, absentValue = "64") @Descriptor(ShellArgs.BITS) String bits,
        @Parameter(names = {"--mask"}, absentValue = "") @Descriptor(ShellArgs.MASK) String mask,
        @Parameter(names = {"--max-seg"}, absentValue = "") @Descriptor(ShellArgs.MAX_SEG) String size,
        @Parameter(names = {"--boundary"}, absentValue = "") @Descriptor(ShellArgs.BOUNDARY) String boundary,
        @Parameter(names = {"--ring"}, absentValue = "16") @Descriptor("descriptors per ring: a power of two, 2..4096") String ring,
        @Parameter(names = {"--buffer"}, absentValue = "2048") @Descriptor("bytes per RX buffer, 64..65535") String bytes,
        @Parameter(names = {"--bug"}, absentValue = "") @Descriptor(ShellArgs.BUGS) String bugs,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        BusLimits limits = ShellArgs.limits(bits, size, boundary, BusLimits.of(64));
        NicConfig config = new NicConfig(limits, (int) ShellArgs.within("ring", ring, 2, 4096),
            (int) ShellArgs.within("buffer", bytes, 64, MAX_FRAME), ShellArgs.maskBits(mask, limits.addressBits()),
            ShellArgs.bugs(bugs));
        models.probeNic(p, device, config);
        return ResultDTO.of(p.name(), "probe", List.of(device), String.format("ring-nic: %d RX + %d TX descriptors,"
            + " %d-byte RX buffers, %d-bit engine, DMA mask %d bits, bugs: %s", config.ringSize(), config.ringSize(),
            config.bufferSize(), limits.addressBits(), config.maskBits(), ShellArgs.shown(config.bugs())));
    }

    @Descriptor("the driver's remove: unmaps and frees every buffer and both rings, unbinds the device")
    public ResultDTO remove(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        driver(p, device).remove();
        return ResultDTO.of(p.name(), "remove", List.of(device), null);
    }

    @Descriptor("ndo_start_xmit of a frame: copied into a kmalloc buffer, mapped DMA_TO_DEVICE, sent by the device")
    public ResultDTO xmit(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device, @Descriptor(ShellArgs.DATA) String data,
        @Descriptor("frame length in bytes, 1..65535 (default: the bytes given)") String len) {
        Platform p = ShellArgs.platform(platforms, platform);
        RingNicDriver nic = driver(p, device);
        byte[] frame = ShellArgs.bytes(data, len, MAX_FRAME);
        int before = nic.wire().size();
        int status = nic.xmit(frame);
        List<byte[]> wire = nic.wire();
        String sent;
        if (wire.size() > before) {
            byte[] out = wire.get(wire.size() - 1);
            sent = "wire: " + ShellArgs.preview(out) + (java.util.Arrays.equals(out, frame) ? ", as queued"
                : ", NOT the frame queued");
        } else {
            sent = "wire: nothing sent" + (status == NetDriver.NETDEV_TX_BUSY ? " (TX ring full)"
                : nic.hardwareError().map(e -> " (device halted: " + e + ")").orElse(" (dropped: tx_dropped "
                + nic.stats().txDropped() + ")"));
        }
        return ResultDTO.of(p.name(), "xmit", args(device, data, len), status == NetDriver.NETDEV_TX_BUSY
            ? "NETDEV_TX_BUSY" : "NETDEV_TX_OK").printed(List.of(sent));
    }

    @Descriptor("xmit of the bytes given, as they are")
    public ResultDTO xmit(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device, @Descriptor(ShellArgs.DATA) String data) {
        return xmit(platform, device, data, "");
    }

    @Descriptor("a frame arrives from the wire: the device writes it into the next posted RX buffer")
    public ResultDTO receive(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device, @Descriptor(ShellArgs.DATA) String data,
        @Descriptor("frame length in bytes, 1..65535 (default: the bytes given)") String len) {
        Platform p = ShellArgs.platform(platforms, platform);
        RingNicDriver nic = driver(p, device);
        byte[] frame = ShellArgs.bytes(data, len, MAX_FRAME);
        RingNicDriver.Rings before = nic.rings();
        int slot = before.rxHead() & (before.size() - 1);
        String what;
        if (!nic.receive(frame)) {
            what = nic.hardwareError().map(e -> "dropped: the device is halted (" + e + ")")
                .orElse("dropped: no RX buffer posted (rx_missed " + nic.stats().rxMissed() + ")");
        } else if (frame.length > nic.config().bufferSize()) {
            what = "RX slot " + slot + ": DONE|ERR, the frame is longer than the " + nic.config().bufferSize()
                + "-byte buffer";
        } else if (nic.rings().rx().get(slot).error()) {
            what = "RX slot " + slot + ": DONE|ERR, the device could not write the buffer ("
                + nic.bus().stats().busErrors() + " bus errors so far)";
        } else {
            what = String.format("RX slot %d: %d bytes written at dma %#x", slot, frame.length,
                before.rx().get(slot).buffer());
        }
        return ResultDTO.of(p.name(), "receive", args(device, data, len), what);
    }

    @Descriptor("receive of the bytes given, as they are")
    public ResultDTO receive(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device, @Descriptor(ShellArgs.DATA) String data) {
        return receive(platform, device, data, "");
    }

    @Descriptor("the NAPI poll: reclaims sent TX buffers, hands up to BUDGET received frames up (default 64);"
        + " each is compared with what the device wrote")
    public ResultDTO poll(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device,
        @Descriptor("frames at most, 1..65536 (NAPI's weight is 64)") String budget) {
        Platform p = ShellArgs.platform(platforms, platform);
        RingNicDriver nic = driver(p, device);
        int n = (int) ShellArgs.within("budget", budget, 1, 65536);
        List<String> lines = new ArrayList<>();
        List<RingNicDriver.Received> frames = nic.pollReceived(n);
        for (RingNicDriver.Received r : frames) {
            lines.add(frameLine(r));
        }
        return ResultDTO.number(p.name(), "poll", List.of(device, budget), frames.size(), false).printed(lines);
    }

    @Descriptor("the NAPI poll with a budget of 64")
    public ResultDTO poll(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device) {
        return poll(platform, device, "64");
    }

    /** {@code RX slot 0: 700 bytes aa aa ...: as the device wrote} or how it differs. */
    private static String frameLine(RingNicDriver.Received r) {
        String read = "RX slot " + r.slot() + ": read " + ShellArgs.preview(r.frame());
        if (r.asWritten()) {
            return read + ": as the device wrote";
        }
        int differ = 0;
        for (int i = 0; i < r.frame().length; i++) {
            if (r.written() == null || i >= r.written().length || r.frame()[i] != r.written()[i]) {
                differ++;
            }
        }
        return read + ": STALE, the device wrote " + (r.written() == null ? "nothing"
            : ShellArgs.preview(r.written())) + "; " + differ + " bytes differ, " + r.staleLines()
            + " cache lines read stale";
    }

    @Descriptor("both descriptor rings: where they are, the driver's and the device's positions, each descriptor")
    public TextDTO rings(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        RingNicDriver.Rings r = driver(p, device).rings();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("tx ring: %d descriptors at dma %#x; driver tail %d, clean %d; device head %d%n",
            r.size(), r.txRingDma(), r.txTail(), r.txClean(), r.txHead()));
        sb.append(String.format("rx ring: %d descriptors at dma %#x; driver next %d; device head %d%n", r.size(),
            r.rxRingDma(), r.rxNext(), r.rxHead()));
        sb.append(String.format("%-5s %-5s %-18s %-6s %-8s %s%n", "RING", "SLOT", "BUFFER", "BUFLEN", "FRAMELEN",
            "STATUS"));
        appendRing(sb, "tx", r.tx());
        appendRing(sb, "rx", r.rx());
        return TextDTO.of(p.name(), "rings", sb.toString());
    }

    private static void appendRing(StringBuilder sb, String ring, List<Desc> descs) {
        for (int i = 0; i < descs.size(); i++) {
            Desc d = descs.get(i);
            sb.append(String.format("%-5s %-5d %#-18x %-6d %-8d %s%n", ring, i, d.buffer(), d.bufLen(), d.frameLen(),
                status(d)));
        }
    }

    private static String status(Desc d) {
        List<String> flags = new ArrayList<>();
        if (d.owned()) {
            flags.add("OWN");
        }
        if (d.done()) {
            flags.add("DONE");
        }
        if (d.error()) {
            flags.add("ERR");
        }
        return flags.isEmpty() ? "-" : String.join("|", flags);
    }

    @Descriptor("the driver's counters as ethtool -S shows them, the DMA engine's bus counters, stale lines read")
    public TextDTO stats(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        RingNicDriver nic = driver(p, device);
        NetDriver.NicStats s = nic.stats();
        BusMaster.Stats bus = nic.bus().stats();
        StringBuilder sb = new StringBuilder("NIC statistics:\n");
        stat(sb, "tx_packets", s.txPackets());
        stat(sb, "tx_dropped", s.txDropped());
        stat(sb, "tx_errors", s.txErrors());
        stat(sb, "rx_packets", s.rxPackets());
        stat(sb, "rx_missed", s.rxMissed());
        stat(sb, "rx_errors", s.rxErrors());
        appendBus(sb, bus);
        stat(sb, "rx_stale_cache_lines", nic.staleRxLines());
        nic.hardwareError().ifPresent(e -> sb.append("     fatal_bus_error: ").append(e).append('\n'));
        return TextDTO.of(p.name(), "stats", sb.toString());
    }

    private static List<String> args(String device, String data, String len) {
        return len.isEmpty() ? List.of(device, data) : List.of(device, data, len);
    }
}
