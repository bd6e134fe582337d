package org.dmasim.dma.core;

import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;

/**
 * dma.core's record of one streaming mapping (DMA-API debug's {@code dma_debug_entry} plus who
 * made it). Created before the ops' map call with the request; the ops fill in the backend it
 * holds; dma.core sets the bus address when the map succeeded and registers the record in the
 * device's {@link MappingTable}. Fields the map call writes are read afterwards under the
 * device's lock, which publishes them.
 */
final class Mapping implements StreamingMapping {
    final Device dev;
    final Kind kind;
    final long phys;
    final long size;
    final DmaDirection dir;
    final long attrs;
    final DmaOps ops;
    final SgTable sg;
    final int sgCallEnts;
    int sgMappedEnts;
    long dmaHandle = DmaOps.DMA_MAPPING_ERROR;
    /** The ops' backend instance was held for this mapping ({@link DmaOps#instance()}). */
    BackendInstance opsInstance;
    private BackendInstance backend;
    private long cookie;
    private volatile boolean revoked;
    /** The instance whose force-out revoked it. */
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
        this.sg = sg;
        this.sgCallEnts = sgCallEnts;
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
        return sg;
    }

    @Override
    public int sgCallEnts() {
        return sgCallEnts;
    }

    @Override
    public int sgMappedEnts() {
        return sgMappedEnts;
    }

    @Override
    public DmaOps ops() {
        return ops;
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
        this.backend = instance;
        this.cookie = cookie;
        return true;
    }

    /** Gives back what the mapping held: its backend instance and the ops' instance. */
    void releaseHoldings() {
        if (backend != null) {
            backend.unhold();
        }
        if (opsInstance != null) {
            opsInstance.unhold();
        }
    }

    /** Whether the mapping holds something of {@code instance}. */
    boolean holds(BackendInstance instance) {
        return backend == instance || opsInstance == instance;
    }

    @Override
    public boolean revoked() {
        return revoked;
    }

    void revoke(String by) {
        revokedBy = by;
        revoked = true;
    }

    /** The id of the instance whose force-out revoked the mapping, or null. */
    String revokedBy() {
        return revokedBy;
    }

    /** Whether the bus range [addr, addr + len) lies inside this mapping (a DMA segment of it, for a list). */
    boolean contains(long addr, long len) {
        if (kind != Kind.SG) {
            return inside(dmaHandle, size, addr, len);
        }
        for (int i = 0; i < sgMappedEnts; i++) {
            if (inside(sg.dmaAddress(i), sg.dmaLength(i), addr, len)) {
                return true;
            }
        }
        return false;
    }

    /** Whether [addr, addr + len) overlaps this mapping's bus range. */
    boolean overlaps(long addr, long len) {
        if (kind != Kind.SG) {
            return overlap(dmaHandle, size, addr, len);
        }
        for (int i = 0; i < sgMappedEnts; i++) {
            if (overlap(sg.dmaAddress(i), sg.dmaLength(i), addr, len)) {
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
