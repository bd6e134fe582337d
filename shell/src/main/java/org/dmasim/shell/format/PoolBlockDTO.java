package org.dmasim.shell.format;

import java.util.List;

/**
 * One dma_pool block: the CPU address and the bus address dma_pool_alloc (or dma_pool_zalloc)
 * returned, labelled with the call.
 */
public class PoolBlockDTO {
    public String platform;
    public String function;
    public List<String> args;
    public String pool;
    public long vaddr;
    public long dma;

    public static PoolBlockDTO of(String platform, String function, List<String> args, String pool, long vaddr,
        long dma) {
        PoolBlockDTO d = new PoolBlockDTO();
        d.platform = platform;
        d.function = function;
        d.args = List.copyOf(args);
        d.pool = pool;
        d.vaddr = vaddr;
        d.dma = dma;
        return d;
    }
}
