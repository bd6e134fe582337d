package org.dmasim.shell.format;

import java.util.List;

/**
 * One streaming mapping a command made ({@code dma_map_single}, {@code dma_map_page}) or found
 * ({@code dma:mappings}): the bus address the device got, where the bytes really are, and whether
 * they bounced. Pass it back to the matching unmap and syncs as is.
 */
public class MappingDTO {
    public String platform;
    public String device;
    /** The kernel function that made it: dma_map_single, dma_map_page, dma_map_sg, dma_map_resource. */
    public String function;
    /** The call's arguments as the user gave them; null for a listed mapping. */
    public List<String> args;
    /** The DMA address returned; all ones ({@code DMA_MAPPING_ERROR}) when the map failed. */
    public long dma;
    public long size;
    /** {@code DMA_TO_DEVICE}, ... */
    public String dir;
    public long attrs;
    /** The original buffer's physical address. */
    public long phys;
    /** The bounce pool holding the device's copy (its debugfs name: swiotlb, or a restricted pool's node), or null. */
    public String bouncePool;
    /** The first slot of the bounce buffer, or -1. */
    public long slot = -1;
    /** What {@code dma_mapping_error} returns for it: 0 or -12 (-ENOMEM). */
    public int mappingError;
    /** An IOMMU translates the device's DMA: the bus address is an IOVA (since 1.5). */
    public boolean translated;
    /** What the kernel printed during the call. */
    public List<String> printed = List.of();

    public boolean failed() {
        return dma == -1L;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
