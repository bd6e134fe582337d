package org.dmasim.dma.core.debug;

import java.util.List;
import org.dmasim.api.platform.BootLog;

/**
 * dmasim's answer to an unmap or free that does not match what was mapped or allocated: the
 * call is refused and changes nothing, because carrying it out would corrupt the simulated
 * allocators (Linux corrupts its own). The refusal is a {@code dmasim:} remark, and the message
 * of the {@link IllegalArgumentException} the caller gets: the device, the call, what is wrong,
 * and what Linux would have done instead, which depends on whether DMA-API debugging runs (it
 * reports the same mistake in the kernel's words first; without it Linux notices nothing).
 *
 * <p>What Linux executes all the same and corrupts nothing of dmasim's (an unmap with another
 * direction, a map error never checked, a sync outside a mapping) is not refused: dmasim
 * executes it as Linux does, and DMA-API debugging reports it when it runs.
 */
public final class Misuse {
    private final BootLog log;
    /** The platform's DMA-API debugging, or null when the kernel is built without it. */
    private final DmaDebug debug;

    public Misuse(BootLog log, DmaDebug debug) {
        this.log = log;
        this.debug = debug;
    }

    private IllegalArgumentException refuse(DebugDevice dev, String call, String problem, String linuxWould) {
        return refuse(dev, call, problem, linuxWould, true);
    }

    /**
     * The refusal, logged as a remark; the exception's message starts with what DMA-API debugging
     * printed for the call ({@code afterDebugHook}: the call went through an unmap or free hook
     * first), so that whoever sees only the exception (a shell) sees the kernel's report too.
     */
    private IllegalArgumentException refuse(DebugDevice dev, String call, String problem, String linuxWould,
        boolean afterDebugHook) {
        boolean checked = debug != null && debug.active();
        String text = dev.driverString() + " " + dev.name() + ": " + call + ": " + problem + ": refused, nothing changed"
            + (checked ? " (Linux would go on to " : " (without DMA-API debugging Linux does not notice; it would ")
            + linuxWould + ")";
        log.dmasim(text);
        List<String> reported = debug != null && afterDebugHook ? debug.takeUnmapReport() : List.of();
        return new IllegalArgumentException(reported.isEmpty() ? text : String.join("\n", reported) + "\n" + text);
    }

    /** {@code call} renders as C reads it: {@code dma_unmap_page(0x42400000, 256, DMA_TO_DEVICE)}. */
    public static String call(String function, Object... args) {
        StringBuilder sb = new StringBuilder(function).append('(');
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : ", ");
            sb.append(args[i] instanceof Long l ? "0x" + Long.toHexString(l) : String.valueOf(args[i]));
        }
        return sb.append(')').toString();
    }

    /** An unmap of DMA_MAPPING_ERROR: a failed map whose error went unchecked. */
    public IllegalArgumentException invalidAddress(DebugDevice dev, String call) {
        return refuse(dev, call, "DMA_MAPPING_ERROR is no mapping (the map failed and dma_mapping_error() was not"
            + " asked)", "hand DMA_MAPPING_ERROR to the DMA ops' unmap as a bus address");
    }

    /** An unmap of an address where the device has no mapping. */
    public IllegalArgumentException notMapped(DebugDevice dev, String call, long dma, long size) {
        return refuse(dev, call, String.format("nothing of this device is mapped at 0x%x (never mapped, or unmapped"
            + " already)", dma), "unmap " + Long.toUnsignedString(size) + " bytes there all the same: dma-direct syncs"
                + " them for the CPU and frees swiotlb slots when the address is one");
    }

    /** An unmap of an address where the device has several mappings, none of that size and type. */
    public IllegalArgumentException noneMatches(DebugDevice dev, String call, long dma, int mappings, long size,
        String type) {
        return refuse(dev, call, String.format("none of the %d mappings of this device at 0x%x is a %s mapping of %s"
            + " bytes", mappings, dma, type, Long.toUnsignedString(size)), "unmap " + Long.toUnsignedString(size)
                + " bytes there all the same, for one of them");
    }

    /** A free of an address where the device has no buffer. */
    public IllegalArgumentException notAllocated(DebugDevice dev, String call, long dma) {
        return refuse(dev, call, String.format("no buffer of this device was allocated at 0x%x (never, or freed"
            + " already)", dma), "free the memory behind it all the same, corrupting the allocator it came from when it"
                + " is free already");
    }

    /** An unmap or free through another API family than the one that made it. */
    public IllegalArgumentException wrongFunction(DebugDevice dev, String call, long dma, String mappedAs,
        String unmappedAs) {
        return refuse(dev, call, String.format("0x%x was mapped as %s, not %s", dma, mappedAs, unmappedAs),
            "tear it down with the " + unmappedAs + " code");
    }

    /** An unmap or free with another size. */
    public IllegalArgumentException differentSize(DebugDevice dev, String call, long dma, long mapped, long given) {
        return refuse(dev, call, String.format("0x%x was mapped with %s bytes, not %s", dma,
            Long.toUnsignedString(mapped), Long.toUnsignedString(given)), "unmap " + Long.toUnsignedString(given)
                + " bytes");
    }

    /** A list unmapped with another {@code nents} than it was mapped with. */
    public IllegalArgumentException differentEntryCount(DebugDevice dev, String call, int mapped, int given) {
        return refuse(dev, call, "the list was mapped with nents " + mapped + ", not " + given, "unmap " + given
            + " entries");
    }

    /** A coherent free through another CPU address. */
    public IllegalArgumentException differentCpuAddress(DebugDevice dev, String call, long dma, long allocCpu,
        long freeCpu) {
        return refuse(dev, call, String.format("the buffer at 0x%x was allocated at CPU address 0x%x, not 0x%x", dma,
            allocCpu, freeCpu), "free it through that address: a remapped buffer's vmalloc area stays mapped or the"
                + " wrong one is unmapped, and DMA-API debugging, which compares the pages behind the two addresses,"
                + " says nothing when they are the same");
    }

    /** A free from a per-device coherent pool of pages its bitmap does not hold. */
    public IllegalArgumentException poolPagesNotAllocated(DebugDevice dev, String call, String pool, int first,
        int last) {
        return refuse(dev, call, "pages " + first + "-" + last + " of " + pool + " are not allocated",
            "clear their bits in the pool's bitmap all the same, in bitmap_release_region", false);
    }
}
