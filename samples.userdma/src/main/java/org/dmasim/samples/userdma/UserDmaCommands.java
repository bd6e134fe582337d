package org.dmasim.samples.userdma;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.addr.UserAddr;
import org.dmasim.api.platform.Memparse;
import org.dmasim.api.platform.Platform;
import org.dmasim.samples.userdma.api.SimProcess;
import org.dmasim.samples.userdma.api.UserDma;
import org.dmasim.samples.userdma.api.UserDmaDevice;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code userdma}: the user-space DMA sample from a script. Processes and the driver
 * are named; results read as the system calls a C program would make.
 */
@Component(service = UserDmaCommands.class, property = {
    "osgi.command.scope=userdma",
    "osgi.command.function=probe",
    "osgi.command.function=spawn",
    "osgi.command.function=mmap",
    "osgi.command.function=malloc",
    "osgi.command.function=poke",
    "osgi.command.function=peek",
    "osgi.command.function=pfns",
    "osgi.command.function=maps",
    "osgi.command.function=xfer",
    "osgi.command.function=pwrite",
    "osgi.command.function=pread",
    "osgi.command.function=medium",
    "osgi.command.function=stats"
})
public class UserDmaCommands {
    private static final String PLATFORM = "the platform (default: the only one)";
    private static final String USER_ADDR = "user address (or the result of userdma:mmap or userdma:malloc)";

    @Reference
    UserDma userdma;

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        List<Platform> all = platforms == null ? List.of() : new ArrayList<>(platforms);
        if (name.isEmpty()) {
            if (all.size() != 1) {
                throw new IllegalArgumentException(all.isEmpty() ? "no platform exists"
                    : "several platforms exist: name one with -p NAME");
            }
            return all.get(0);
        }
        return all.stream().filter(p -> p.name().equals(name)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no platform named '" + name + "'"));
    }

    private UserDmaDevice dev(Platform p, String name) {
        return userdma.device(p, name).orElseThrow(() -> new IllegalArgumentException("userdma: no driver bound to '"
            + name + "' (bind one with userdma:probe " + name + ")"));
    }

    private SimProcess proc(Platform p, String name) {
        return userdma.process(p, name).orElseThrow(() -> new IllegalArgumentException("userdma: no process '" + name
            + "' (start one with userdma:spawn " + name + ")"));
    }

    private static long number(String what, String text) {
        return Memparse.parseSize(what, text.strip());
    }

    /** A user address typed as a number, or the result of the mmap/malloc command that returned it. */
    private static long address(Object addr) {
        if (addr instanceof ResultDTO r && r.value instanceof Number n) {
            if (n.longValue() < 0) {
                throw new IllegalArgumentException(r.function + " failed (" + n + "): no address to use");
            }
            return n.longValue();
        }
        return number("addr", String.valueOf(addr));
    }

    private static String shown(Object addr) {
        return addr instanceof ResultDTO r && r.value instanceof Number n ? "0x" + Long.toHexString(n.longValue())
            : String.valueOf(addr);
    }

    private static ResultDTO result(Platform p, String fn, long value, boolean hex, String... args) {
        return ResultDTO.number(p.name(), fn, List.of(args), value, hex);
    }

    @Descriptor("bind the user-DMA sample driver (and an SG block device) to a device, with a coherent buffer")
    public ResultDTO probe(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the device") String device, @Descriptor("the coherent buffer's size") String size) {
        Platform p = platform(platform);
        UserDmaDevice d = userdma.probe(p, device, number("size", size));
        return ResultDTO.of(p.name(), "probe", List.of(device, size), String.format("buffer of %#x bytes at pfn %#x",
            d.bufferSize(), d.stats().bufferPfn()));
    }

    @Descriptor("start a simulated process")
    public ResultDTO spawn(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process's name") String name) {
        Platform p = platform(platform);
        return ResultDTO.of(p.name(), "spawn", List.of(name), userdma.spawn(p, name).name());
    }

    @Descriptor("mmap(NULL, LENGTH, PROT_READ|PROT_WRITE, MAP_SHARED, fd, PGOFF << 12) of the driver's buffer")
    public ResultDTO mmap(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor("the device") String device,
        @Descriptor("bytes to map") String length, @Descriptor("page offset into the buffer") String pgoff) {
        Platform p = platform(platform);
        long r = dev(p, device).mmap(proc(p, process), number("length", length), number("pgoff", pgoff));
        return result(p, "mmap", r, r >= 0, process, device, length, pgoff);
    }

    @Descriptor("mmap of LENGTH bytes of anonymous memory (a malloc'd buffer)")
    public ResultDTO malloc(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor("bytes") String length) {
        Platform p = platform(platform);
        return result(p, "malloc", proc(p, process).mmapAnonymous(number("length", length)).value(), true, process,
            length);
    }

    @Descriptor("the process stores TEXT at ADDR (repeated to LEN bytes when LEN is given)")
    public ResultDTO poke(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor(USER_ADDR) Object addr,
        @Descriptor("the bytes, as text") String text, @Descriptor("bytes to store") String len) {
        Platform p = platform(platform);
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[(int) number("len", len)];
        for (int i = 0; i < data.length; i++) {
            data[i] = t[i % t.length];
        }
        proc(p, process).write(new UserAddr(address(addr)), data);
        return result(p, "poke", data.length, false, process, shown(addr), '"' + text + '"', len);
    }

    @Descriptor("the process loads LEN bytes at ADDR (shown as text)")
    public ResultDTO peek(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor(USER_ADDR) Object addr,
        @Descriptor("bytes") String len) {
        Platform p = platform(platform);
        byte[] b = proc(p, process).read(new UserAddr(address(addr)), (int) number("len", len));
        return ResultDTO.of(p.name(), "peek", List.of(process, shown(addr), len), text(b));
    }

    private static String text(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) {
            s.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
        }
        return s.append('"').toString();
    }

    @Descriptor("the page frames a user range maps")
    public ResultDTO pfns(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor(USER_ADDR) Object addr,
        @Descriptor("bytes") String len) {
        Platform p = platform(platform);
        List<String> hex = proc(p, process).pfns(new UserAddr(address(addr)), number("len", len)).stream()
            .map(x -> "0x" + Long.toHexString(x)).toList();
        return ResultDTO.of(p.name(), "pfns", List.of(process, shown(addr), len), String.join(" ", hex));
    }

    @Descriptor("the process's mappings, as /proc/PID/maps lists them")
    public TextDTO maps(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), "maps", String.join("\n", proc(p, process).maps()));
    }

    @Descriptor("the driver's ioctl: the device moves LEN bytes of its buffer from OFFSET to the medium at SECTOR")
    public ResultDTO xfer(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the device") String device, @Descriptor("offset into the buffer") String offset,
        @Descriptor("bytes") String len, @Descriptor("the first sector") String sector) {
        Platform p = platform(platform);
        return result(p, "xfer", dev(p, device).xfer(number("offset", offset), number("len", len),
            number("sector", sector)), false, device, offset, len, sector);
    }

    @Descriptor("zero-copy write: pin the user buffer, map it as an sg list, the device moves it to SECTOR")
    public ResultDTO pwrite(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor("the device") String device,
        @Descriptor(USER_ADDR) Object addr, @Descriptor("bytes") String len, @Descriptor("the first sector") String sector) {
        Platform p = platform(platform);
        return result(p, "pwrite", dev(p, device).write(proc(p, process), new UserAddr(address(addr)),
            number("len", len), number("sector", sector)), false, process, device, shown(addr), len, sector);
    }

    @Descriptor("zero-copy read: the device moves sectors from SECTOR into the pinned user buffer")
    public ResultDTO pread(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the process") String process, @Descriptor("the device") String device,
        @Descriptor(USER_ADDR) Object addr, @Descriptor("bytes") String len, @Descriptor("the first sector") String sector) {
        Platform p = platform(platform);
        return result(p, "pread", dev(p, device).read(proc(p, process), new UserAddr(address(addr)),
            number("len", len), number("sector", sector)), false, process, device, shown(addr), len, sector);
    }

    @Descriptor("the medium's bytes at SECTOR (shown as text)")
    public ResultDTO medium(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the device") String device, @Descriptor("the first sector") String sector,
        @Descriptor("bytes") String len) {
        Platform p = platform(platform);
        return ResultDTO.of(p.name(), "medium", List.of(device, sector, len), text(dev(p, device).hw().readMedium(
            number("sector", sector), (int) number("len", len))));
    }

    @Descriptor("the driver's counters: bytes copied, pages pinned now, chunks completed")
    public ResultDTO stats(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(PLATFORM) String platform,
        @Descriptor("the device") String device) {
        Platform p = platform(platform);
        UserDmaDevice.Stats s = dev(p, device).stats();
        return ResultDTO.of(p.name(), "stats", List.of(device), String.format("copied %d bytes, %d pages pinned,"
            + " %d chunks", s.bytesCopied(), s.pinnedPages(), s.chunks()));
    }
}
