package org.dmasim.shell.format;

import org.dmasim.api.dma.CoherentBuffer;

/**
 * One allocation a command made: what the caller got (CPU address, bus address) and where it
 * came from. Pass it back to the matching free command as is.
 */
public class AllocationDTO {
    public String platform;
    public String device;
    /** The kernel function that made it, e.g. dma_alloc_coherent. */
    public String function;
    /** The call's arguments as the user gave them; null for a listed allocation (no call to show). */
    public java.util.List<String> args;
    public long cpu;
    public long dma;
    public long phys;
    public long size;
    public long reserved;
    public String source;
    public String sourceName;
    public String attr;
    public long attrs;

    /** An allocation as the call that made it returned it: labelled with that call. */
    public static AllocationDTO of(String platform, String function, java.util.List<String> args, CoherentBuffer b) {
        AllocationDTO d = of(platform, function, b);
        d.args = java.util.List.copyOf(args);
        return d;
    }

    public static AllocationDTO of(String platform, String function, CoherentBuffer b) {
        AllocationDTO d = new AllocationDTO();
        d.platform = platform;
        d.device = b.device();
        d.function = function;
        d.cpu = b.cpuAddr();
        d.dma = b.dmaHandle();
        d.phys = b.phys();
        d.size = b.size();
        d.reserved = b.reserved();
        d.source = b.source().label();
        d.sourceName = b.sourceName();
        d.attr = b.attr().kernelName();
        d.attrs = b.attrs();
        return d;
    }
}
