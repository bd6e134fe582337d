package org.dmasim.api.mem;

/**
 * The state of one CPU data cache line, for tests and views.
 *
 * @param phys the line's first physical address
 * @param present the line is cached
 * @param dirty the cached copy holds CPU stores RAM has not seen
 * @param ramChanged RAM under the cached copy was written behind the cache's back (by a device
 *     that does not snoop, or through a non-cacheable alias) since the line was filled or last
 *     written back: a CPU load of it may return stale bytes
 */
public record CacheLine(long phys, boolean present, boolean dirty, boolean ramChanged) {
}
