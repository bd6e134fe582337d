package org.dmasim.api.mem;

/**
 * What a platform's CPU data cache has done so far (counters) and holds now (the last two
 * fields). A line is {@link CpuCache#lineSize()} bytes.
 *
 * @param lineFills lines the cache filled from RAM (a CPU load or a partial store missed)
 * @param linesCleaned dirty lines written back to RAM by cache maintenance (clean, or clean
 *     and invalidate): {@code dc cvac} / {@code dc civac} on a dirty line
 * @param linesInvalidated cached lines dropped by cache maintenance (invalidate, or clean and
 *     invalidate)
 * @param dirtyLinesDiscarded of those, dirty lines dropped without a write-back ({@code dc ivac}
 *     on a dirty line): CPU stores that never reach RAM
 * @param linesEvicted lines the cache gave back on its own ({@link CacheEviction})
 * @param evictionWriteBacks of those, dirty lines written back to RAM first
 * @param staleCpuReads line reads by the CPU that returned a cached copy while RAM under it
 *     held other bytes written behind the cache's back (by a device that does not snoop, or a
 *     non-cacheable alias): a missing {@code dma_sync_*_for_cpu}
 * @param staleDeviceReads line reads by a device that does not snoop which returned RAM while
 *     the CPU cache held other, dirty bytes for it: a missing {@code dma_sync_*_for_device}
 * @param presentLines lines cached now
 * @param dirtyLines of those, lines holding stores RAM has not seen
 */
public record CacheStats(long lineFills, long linesCleaned, long linesInvalidated, long dirtyLinesDiscarded,
    long linesEvicted, long evictionWriteBacks, long staleCpuReads, long staleDeviceReads, long presentLines,
    long dirtyLines) {

    /** The counters accumulated since {@code earlier}; the two gauges stay as they are now. */
    public CacheStats since(CacheStats earlier) {
        return new CacheStats(lineFills - earlier.lineFills, linesCleaned - earlier.linesCleaned,
            linesInvalidated - earlier.linesInvalidated, dirtyLinesDiscarded - earlier.dirtyLinesDiscarded,
            linesEvicted - earlier.linesEvicted, evictionWriteBacks - earlier.evictionWriteBacks,
            staleCpuReads - earlier.staleCpuReads, staleDeviceReads - earlier.staleDeviceReads, presentLines,
            dirtyLines);
    }
}
