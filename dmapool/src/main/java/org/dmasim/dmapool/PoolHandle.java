package org.dmasim.dmapool;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPoolEngine;

/**
 * The {@link DmaPool} a driver holds: its backend's engine (every call goes there, whatever
 * backend is active now) plus what the platform keeps about it (managed or not).
 */
final class PoolHandle implements DmaPool {
    final DmaPoolsService owner;
    final DmaPoolEngine engine;
    private final String version;
    private final boolean managed;

    PoolHandle(DmaPoolsService owner, DmaPoolEngine engine, String version, boolean managed) {
        this.owner = owner;
        this.engine = engine;
        this.version = version;
        this.managed = managed;
    }

    @Override
    public long alloc(int gfp, long[] handle, int slot) {
        return engine.alloc(gfp, handle, slot);
    }

    @Override
    public void free(long vaddr, long dma) {
        engine.free(vaddr, dma);
    }

    @Override
    public void destroy() {
        owner.destroy(this);
    }

    @Override
    public boolean destroyed() {
        return engine.destroyed();
    }

    @Override
    public String name() {
        return engine.name();
    }

    @Override
    public DmaDevice device() {
        return engine.device();
    }

    @Override
    public long size() {
        return engine.size();
    }

    @Override
    public long allocation() {
        return engine.allocation();
    }

    @Override
    public long boundary() {
        return engine.boundary();
    }

    @Override
    public String backendVersion() {
        return version;
    }

    @Override
    public boolean managed() {
        return managed;
    }

    @Override
    public long blocksInUse() {
        return engine.blocksInUse();
    }

    @Override
    public long pages() {
        return engine.pages();
    }

    @Override
    public long totalBlocks() {
        return engine.totalBlocks();
    }

    @Override
    public String poolsLine() {
        return engine.poolsLine();
    }

    @Override
    public String toString() {
        return "dma_pool " + name() + " of " + device().name() + " (" + version + (managed ? ", managed)" : ")");
    }
}
