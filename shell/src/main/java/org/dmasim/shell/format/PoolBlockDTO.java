package org.dmasim.shell.format;

/** One dma_pool block: the CPU address and the bus address dma_pool_alloc returned. */
public class PoolBlockDTO {
    public String platform;
    public String pool;
    public long vaddr;
    public long dma;

    public static PoolBlockDTO of(String platform, String pool, long vaddr, long dma) {
        PoolBlockDTO d = new PoolBlockDTO();
        d.platform = platform;
        d.pool = pool;
        d.vaddr = vaddr;
        d.dma = dma;
        return d;
    }
}
