package org.dmasim.api.dma;

import org.dmasim.api.mem.MemAttr;

/**
 * One live coherent (or page / non-coherent) allocation as the DMA API handed it out.
 *
 * @param device the device's name
 * @param cpuAddr what the caller got as CPU address: a linear-map address, a vmalloc-range
 *     alias (remapped), or with DMA_ATTR_NO_KERNEL_MAPPING the {@code struct page} cookie
 * @param dmaHandle the bus address the device uses
 * @param phys the first physical byte
 * @param size the size the caller asked for
 * @param reserved bytes the source really took (page aligned; a power of two from the buddy)
 * @param source the allocator that served it
 * @param sourceName the pool or CMA area name ("reserved", a DT node name, "atomic_pool_dma", ...)
 * @param attr the memory type of the CPU mapping
 * @param remapped whether cpuAddr is a vmalloc alias rather than the linear map
 * @param attrs the DMA_ATTR_* bits of the call
 * @param kind which API family made it ("coherent", "pages", "noncoherent")
 */
public record CoherentBuffer(String device, long cpuAddr, long dmaHandle, long phys, long size, long reserved,
    CoherentSource source, String sourceName, MemAttr attr, boolean remapped, long attrs, String kind) {
}
