package org.dmasim.dma.core;

import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * dma.core's record of one streaming mapping (DMA-API debug's {@code dma_debug_entry} plus who
 * made it). Created before the ops' map call with the request; the ops fill in the backend it
 * holds; dma.core sets the bus address when the map succeeded and registers the record in the
 * device's {@link MappingTable}, whose compare-and-set publishes what the map call wrote. A
 * dma-direct single mapping that holds nothing is recorded without an object
 * ({@link DirectSingleTable}); views and slow paths see it as a {@code Mapping} made on the spot.
 *
 * <p>One is allocated per map that holds something (a bounce, an IOMMU's IOVA), so every record
 * carries what it holds in its own fields (no second object per map); what only lists need
 * ({@link ListPart}) lives in an object of its own, made for lists.
 */
final class Mapping implements StreamingMapping {
    /** The list of a scatter-gather mapping and its entry counts. */
    private static final class ListPart {
        final SgTable sg;
        final int callEnts;
        int mappedEnts;

        ListPart(SgTable sg, int callEnts) {
            this.sg = sg;
            this.callEnts = callEnts;
        }
    }

    final Device dev;
    final Kind kind;
    final DmaDirection dir;
    final DmaOps ops;
    final long phys;
    final long size;
    final long attrs;
    long dmaHandle = DmaOps.DMA_MAPPING_ERROR;
    /**
     * For a view of a mapping {@link DirectSingleTable} records (made when a slow path or a view
     * needs an object): the entry it shows, which removing this view removes. Null for a mapping
     * recorded as this object.
     */
    DirectSingleTable.Stamp compact;
    private final ListPart list;
    /** The ops' own backend instance held for this mapping, or null. */
    private BackendInstance opsInstance;
    /** Whether {@link #opsInstance} is held through {@link #backend}, a part of it (no count of its own). */
    private boolean opsCountedByBackend;
    /** The backend instance the ops' map made the mapping hold (an IOMMU domain, a bounce pool's), or null. */
    private BackendInstance backend;
    private long cookie;
    /** The swiotlb pool (default or restricted) holding the mapping's bounce buffers, when it bounced. */
    private SwiotlbPool bouncePool;
    private volatile String revokedBy;

    Mapping(Device dev, Kind kind, long phys, long size, DmaDirection dir, long attrs, DmaOps ops, SgTable sg,
        int sgCallEnts) {
        this.dev = dev;
        this.kind = kind;
        this.phys = phys;
        this.size = size;
        this.dir = dir;
        this.attrs = attrs;
        this.ops = ops;
        this.list = sg == null ? null : new ListPart(sg, sgCallEnts);
    }

    @Override
    public DmaDevice device() {
        return dev;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public long phys() {
        return phys;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public DmaDirection direction() {
        return dir;
    }

    @Override
    public long attrs() {
        return attrs;
    }

    @Override
    public long dmaHandle() {
        return dmaHandle;
    }

    @Override
    public SgTable sg() {
        return list == null ? null : list.sg;
    }

    @Override
    public int sgCallEnts() {
        return list == null ? 0 : list.callEnts;
    }

    @Override
    public int sgMappedEnts() {
        return list == null ? 0 : list.mappedEnts;
    }

    void setSgMappedEnts(int n) {
        list.mappedEnts = n;
    }

    @Override
    public DmaOps ops() {
        return ops;
    }

    /** The ops' own backend instance, held for this mapping ({@link DmaOps#instance()}), or null. */
    BackendInstance opsInstance() {
        return opsInstance;
    }

    void setOpsInstance(BackendInstance instance) {
        opsInstance = instance;
    }

    /**
     * After a map by ops that hold their instance through a child ({@link
     * DmaOps#holdsInstanceThroughChild}): the mapping holds {@code instance} through the backend
     * the ops made it hold, whose count is the only one taken.
     */
    void setOpsInstanceHeldByBackend(BackendInstance instance) {
        if (backend == null) {
            throw new IllegalStateException(ops.name() + " ops mapped for " + dev.name() + " without holding a part of "
                + instance.id() + " (they hold their instance through a child)");
        }
        opsInstance = instance;
        opsCountedByBackend = true;
    }

    @Override
    public Optional<BackendInstance> backend() {
        return Optional.ofNullable(backend);
    }

    /** The backend instance held, or null. */
    BackendInstance backendOrNull() {
        return backend;
    }

    @Override
    public long backendCookie() {
        return cookie;
    }

    @Override
    public boolean holdBackend(BackendInstance instance, long cookie) {
        if (backend != null) {
            throw new IllegalStateException("mapping of " + dev.name() + " already holds " + backend.id()
                + "; a mapping holds one backend instance");
        }
        if (!instance.tryHold()) {
            return false;
        }
        backend = instance;
        this.cookie = cookie;
        return true;
    }

    /** The pool whose slots hold the mapping's bounce buffers, or null when nothing bounced. */
    SwiotlbPool bouncePool() {
        return bouncePool;
    }

    /**
     * dma-direct's bounce: the mapping holds {@code instance} (once, for every bounced segment of a
     * list) and its buffers sit in {@code pool}. False when the instance takes no new work, or the
     * mapping already bounced through another pool.
     */
    boolean holdBounce(BackendInstance instance, SwiotlbPool pool, long tlbAddr) {
        if (bouncePool != null) {
            return bouncePool == pool && backend == instance;
        }
        if (!holdBackend(instance, tlbAddr)) {
            return false;
        }
        bouncePool = pool;
        return true;
    }

    /** Undoes {@link #holdBounce} of a map that did not happen: the holding goes back. */
    void dropBounce() {
        if (bouncePool != null) {
            backend.unhold();
            backend = null;
            bouncePool = null;
            cookie = 0;
        }
    }

    /** Gives back what the mapping held: its backend instance and the ops' instance. */
    void releaseHoldings() {
        if (backend != null) {
            backend.unhold();
        }
        if (opsInstance != null && !opsCountedByBackend) {
            opsInstance.unhold();
        }
    }

    /** Whether the mapping holds any backend instance (then its removal must happen exactly once). */
    boolean holdsAnything() {
        return backend != null || opsInstance != null;
    }

    /** Whether the mapping holds something of {@code instance}. */
    boolean holds(BackendInstance instance) {
        return backend == instance || opsInstance == instance;
    }

    @Override
    public boolean revoked() {
        return revokedBy != null;
    }

    void revoke(String by) {
        revokedBy = by;
    }

    /** The id of the instance whose force-out revoked the mapping, or null. */
    String revokedBy() {
        return revokedBy;
    }

    /** Whether the bus range [addr, addr + len) lies inside this mapping (a DMA segment of it, for a list). */
    boolean contains(long addr, long len) {
        if (list == null) {
            return inside(dmaHandle, size, addr, len);
        }
        for (int i = 0; i < list.mappedEnts; i++) {
            if (inside(list.sg.dmaAddress(i), list.sg.dmaLength(i), addr, len)) {
                return true;
            }
        }
        return false;
    }

    /** Whether [addr, addr + len) overlaps this mapping's bus range. */
    boolean overlaps(long addr, long len) {
        if (list == null) {
            return overlap(dmaHandle, size, addr, len);
        }
        for (int i = 0; i < list.mappedEnts; i++) {
            if (overlap(list.sg.dmaAddress(i), list.sg.dmaLength(i), addr, len)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inside(long start, long len, long addr, long n) {
        return Long.compareUnsigned(addr, start) >= 0 && Long.compareUnsigned(addr - start, len) < 0
            && Long.compareUnsigned(n, len - (addr - start)) <= 0;
    }

    private static boolean overlap(long start, long len, long addr, long n) {
        return Long.compareUnsigned(addr, start + len) < 0 && Long.compareUnsigned(start, addr + n) < 0;
    }

    @Override
    public String toString() {
        return String.format("%s %s mapping dma 0x%x (%d bytes, %s) by %s", dev.name(), kind.debugName(), dmaHandle,
            size, dir.kernelName(), ops.name());
    }
}
