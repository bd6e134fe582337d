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
 * <p>Small on purpose (one is allocated per map that holds something): what only lists need ({@link ListPart}) and
 * what only held or revoked mappings need ({@link Held}) live in objects of their own, made when
 * needed.
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

    /** What a mapping holds of backend instances, and who revoked it. */
    private static final class Held {
        BackendInstance opsInstance;
        BackendInstance backend;
        long cookie;
        /** The swiotlb pool (default or restricted) holding the mapping's bounce buffers, when it bounced. */
        SwiotlbPool bouncePool;
        volatile String revokedBy;
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
    private Held held;

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

    private Held held() {
        if (held == null) {
            held = new Held();
        }
        return held;
    }

    /** The ops' own backend instance, held for this mapping ({@link DmaOps#instance()}), or null. */
    BackendInstance opsInstance() {
        return held == null ? null : held.opsInstance;
    }

    void setOpsInstance(BackendInstance instance) {
        held().opsInstance = instance;
    }

    @Override
    public Optional<BackendInstance> backend() {
        return Optional.ofNullable(backendOrNull());
    }

    /** The backend instance held, or null. */
    BackendInstance backendOrNull() {
        return held == null ? null : held.backend;
    }

    @Override
    public long backendCookie() {
        return held == null ? 0 : held.cookie;
    }

    @Override
    public boolean holdBackend(BackendInstance instance, long cookie) {
        if (backendOrNull() != null) {
            throw new IllegalStateException("mapping of " + dev.name() + " already holds " + backendOrNull().id()
                + "; a mapping holds one backend instance");
        }
        if (!instance.tryHold()) {
            return false;
        }
        held().backend = instance;
        held.cookie = cookie;
        return true;
    }

    /** The pool whose slots hold the mapping's bounce buffers, or null when nothing bounced. */
    SwiotlbPool bouncePool() {
        Held h = held;
        return h == null ? null : h.bouncePool;
    }

    /**
     * dma-direct's bounce: the mapping holds {@code instance} (once, for every bounced segment of a
     * list) and its buffers sit in {@code pool}. False when the instance takes no new work, or the
     * mapping already bounced through another pool.
     */
    boolean holdBounce(BackendInstance instance, SwiotlbPool pool, long tlbAddr) {
        if (held != null && held.bouncePool != null) {
            return held.bouncePool == pool && held.backend == instance;
        }
        if (!holdBackend(instance, tlbAddr)) {
            return false;
        }
        held.bouncePool = pool;
        return true;
    }

    /** Undoes {@link #holdBounce} of a map that did not happen: the holding goes back. */
    void dropBounce() {
        Held h = held;
        if (h != null && h.bouncePool != null) {
            h.backend.unhold();
            h.backend = null;
            h.bouncePool = null;
            h.cookie = 0;
        }
    }

    /** Gives back what the mapping held: its backend instance and the ops' instance. */
    void releaseHoldings() {
        Held h = held;
        if (h == null) {
            return;
        }
        if (h.backend != null) {
            h.backend.unhold();
        }
        if (h.opsInstance != null) {
            h.opsInstance.unhold();
        }
    }

    /** Whether the mapping holds any backend instance (then its removal must happen exactly once). */
    boolean holdsAnything() {
        Held h = held;
        return h != null && (h.backend != null || h.opsInstance != null);
    }

    /** Whether the mapping holds something of {@code instance}. */
    boolean holds(BackendInstance instance) {
        return held != null && (held.backend == instance || held.opsInstance == instance);
    }

    @Override
    public boolean revoked() {
        return revokedBy() != null;
    }

    void revoke(String by) {
        held().revokedBy = by;
    }

    /** The id of the instance whose force-out revoked the mapping, or null. */
    String revokedBy() {
        Held h = held;
        return h == null ? null : h.revokedBy;
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
