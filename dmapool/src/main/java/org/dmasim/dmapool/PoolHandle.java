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
    /** Whether the pool counts as a holding of its service's backend instance. */
    final boolean held;
    /** Set when the service's instance was forced out: the pool is gone, every call is refused. */
    private volatile String revokedBy;

    PoolHandle(DmaPoolsService owner, DmaPoolEngine engine, String version, boolean managed, boolean held) {
        this.owner = owner;
        this.engine = engine;
        this.version = version;
        this.managed = managed;
        this.held = held;
    }

    /** The pool's backend instance was forced out: later calls are refused, its chunks stay allocated. */
    void revoke(String instance) {
        revokedBy = instance;
    }

    boolean revoked() {
        return revokedBy != null;
    }

    private void checkLive(String fn) {
        String by = revokedBy;
        if (by != null) {
            throw new IllegalArgumentException(fn + " " + name() + ": the pool was revoked when " + by
                + " was forced out (its blocks stay allocated; nothing was done)");
        }
    }

    @Override
    public long alloc(int gfp, long[] handle, int slot) {
        checkLive("dma_pool_alloc");
        return engine.alloc(gfp, handle, slot);
    }

    @Override
    public void free(long cpuAddr, long dmaHandle) {
        checkLive("dma_pool_free");
        engine.free(cpuAddr, dmaHandle);
    }

    @Override
    public void destroy() {
        checkLive("dma_pool_destroy");
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
