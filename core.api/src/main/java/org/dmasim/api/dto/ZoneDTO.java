package org.dmasim.api.dto;

/** A snapshot of one zone, in the units /proc/zoneinfo uses (pages). */
public class ZoneDTO {
    public int node;
    /** Kernel name: DMA, DMA32, Normal, Movable, Device. */
    public String name;
    public long startPfn;
    public long spanned;
    public long present;
    public long managed;
    public long cma;
    public long free;
    public long freeCma;
    public long min;
    public long low;
    public long high;
    /** {@code lowmem_reserve[]}, one value per zone index. */
    public long[] protection;
    /** Free blocks per order (buddyinfo columns). */
    public long[] freeBlocks;
}
