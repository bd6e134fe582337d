package org.dmasim.shell.format;

import java.util.List;
import org.dmasim.api.dma.SgTable;

/**
 * A scatter-gather list a command mapped ({@code dma_map_sg}, {@code dma_map_sgtable}): each entry's CPU side and the DMA
 * segment the device got for it. The list object itself rides along, since the unmap and syncs
 * take the very list the map filled in.
 */
public class SgMappingDTO {
    /** One entry: CPU side, DMA side, and the bounce slot when it bounced. */
    public record Entry(long phys, long length, long dma, long dmaLength, String bouncePool, long slot) {
    }

    public String platform;
    public String device;
    public String function;
    public List<String> args;
    public String dir;
    public long attrs;
    /** The {@code nents} of the map call (the unmap and syncs take the same). */
    public int nents;
    /**
     * What the map returned: {@code dma_map_sg} the DMA segments (0 on failure),
     * {@code dma_map_sgtable} 0 or a negative errno.
     */
    public int returned;
    /** The DMA segments the device got: what dma_map_sg returned, the table's {@code nents} after dma_map_sgtable. */
    public int segments;
    public List<Entry> entries;
    /** The list the map filled in. */
    public transient SgTable table;
    /** An IOMMU translates the device's DMA: the bus address is an IOVA (since 1.5). */
    public boolean translated;
    public List<String> printed = List.of();

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
