package org.dmasim.api.mem;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The CPU data cache of one platform, as DMA meets it: one write-back, write-allocate cache of
 * {@link #lineSize()}-byte lines in front of RAM, shared by all simulated CPUs (their own caches
 * are kept coherent with each other by hardware, so one model serves them all).
 *
 * <p><b>Who reaches memory how.</b> Four views, each a {@link PhysMemory} by physical address:
 * <ul>
 * <li>{@link #cpu()}: CPU loads and stores through a cacheable mapping (the linear map,
 *     {@code MT_NORMAL}): a store dirties lines, a load hits a cached line or fills it from RAM.
 *     {@link KernelVm} uses it for cacheable addresses; it is also the platform's
 *     {@code PhysMemory} (what kernel code reaching memory by physical address sees: page
 *     zeroing, migration, swiotlb's bounce copies).</li>
 * <li>{@link #uncached()}: CPU loads and stores through a non-cacheable mapping
 *     ({@code MT_NORMAL_NC}, the vmalloc alias of a non-coherent device's coherent buffer; device
 *     memory): RAM directly, around the cache.</li>
 * <li>{@link #device(boolean)}: a bus master's port, used after the bus address was translated
 *     to a physical one. A device that does not snoop ({@code coherent = false}: a non-coherent
 *     arm64 master) reads and writes RAM only; it reads stale RAM under a dirty line and its writes
 *     leave stale copies in the cache. A coherent device (x86, {@code dma-coherent} arm64) snoops:
 *     its reads return dirty cached bytes, its writes also update cached copies.</li>
 * <li>{@link #ram()}: RAM itself, for inspection (what a non-snooping device would read), with no
 *     side effect on the cache or its counters.</li>
 * </ul>
 *
 * <p><b>Maintenance.</b> {@link #clean}, {@link #invalidate} and {@link #cleanInvalidate} act
 * on every line that overlaps the range, as {@code dc cvac}, {@code dc ivac} and
 * {@code dc civac} do on each line they are given. Which lines an architecture's DMA hooks give
 * them (the arm64 edge rules) is the architecture's business ({@code ArchDma}).
 *
 * <p><b>Observing stale data.</b> {@link #stats()} counts stale CPU reads (a cached copy read
 * while a non-snooping device had changed RAM under it) and stale device reads (a non-snooping
 * device read RAM under a dirty line holding other bytes), besides lines filled, cleaned,
 * invalidated, discarded while dirty and evicted; {@link #line} shows one line's state.
 *
 * <p>Eviction is {@link CacheEviction#NONE} unless the platform asks for random eviction.
 * Sparse: only pages with cached lines cost memory.
 */
@ProviderType
public interface CpuCache {
    /** {@code dcache_line_size}: 4 << CTR_EL0.DminLine = 64 on arm64; x86's clflush size, 64. */
    int lineSize();

    /** {@code dc cvac} on each line overlapping [phys, phys + size): dirty lines are written back and stay cached. */
    void clean(long phys, long size);

    /** {@code dc ivac} on each line overlapping [phys, phys + size): lines are dropped, dirty bytes are lost. */
    void invalidate(long phys, long size);

    /** {@code dc civac} on each line overlapping [phys, phys + size): dirty lines are written back, then dropped. */
    void cleanInvalidate(long phys, long size);

    /** CPU accesses through a cacheable mapping. */
    PhysMemory cpu();

    /** CPU accesses through a non-cacheable mapping: RAM, around the cache. */
    PhysMemory uncached();

    /**
     * A bus master's port to physical memory.
     *
     * @param coherent whether the device snoops the CPU cache ({@code dev_is_dma_coherent})
     */
    PhysMemory device(boolean coherent);

    /** RAM itself, for inspection; writes here bypass the cache's stale-data tracking. */
    PhysMemory ram();

    /** The state of the line holding phys. */
    CacheLine line(long phys);

    CacheStats stats();

    CacheEviction eviction();
}
