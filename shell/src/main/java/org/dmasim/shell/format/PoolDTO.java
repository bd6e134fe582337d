package org.dmasim.shell.format;

import java.util.List;

/** A dma_pool that dma_pool_create made: its geometry and the backend (kernel version) running it. */
public class PoolDTO {
    public String platform;
    public String function;
    public List<String> args;
    public String name;
    public long size;
    public long allocation;
    public long boundary;
    /** The dma_pool algorithm's kernel version, e.g. 6.1. */
    public String backend;

    public static PoolDTO of(String platform, String function, List<String> args, String name, long size,
        long allocation, long boundary, String backend) {
        PoolDTO d = new PoolDTO();
        d.platform = platform;
        d.function = function;
        d.args = List.copyOf(args);
        d.name = name;
        d.size = size;
        d.allocation = allocation;
        d.boundary = boundary;
        d.backend = backend;
        return d;
    }
}
