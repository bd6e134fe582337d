package org.dmasim.dma.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.dma.core.debug.DebugDevice;

/**
 * A {@code struct device} as the DMA API sees it. Masks and {@code dma_parms} change through
 * {@link DmaMapping}; everything else is fixed when the device is configured
 * ({@code of_dma_configure} or a {@code DeviceSpec}).
 *
 * <p>Where {@code dev->dma_mask} points decides whether the two masks are one value: the bus code
 * that creates a device sets the pointer before {@code of_dma_configure} runs. Platform devices
 * ({@code platform_device_alloc}, also for device-tree nodes) point it at their own
 * {@code platform_dma_mask} and PCI devices at {@code pci_dev->dma_mask}, so
 * {@code dma_set_mask} leaves {@code coherent_dma_mask} alone; only AMBA primecells
 * ({@code of_amba_device_create}: "AMBA devices only support a single DMA mask") point it at
 * {@code coherent_dma_mask}, where setting either mask sets both.
 */
final class Device implements DebugDevice {
    /** {@code dma_get_max_seg_size()} when {@code dma_parms->max_segment_size} is 0: SZ_64K. */
    static final long DEFAULT_MAX_SEG_SIZE = 0x10000;
    /** {@code dma_get_seg_boundary()} when {@code dma_parms->segment_boundary_mask} is 0: ULONG_MAX. */
    static final long DEFAULT_SEG_BOUNDARY = -1L;
    /** {@code pci_device_add}: {@code dma_set_max_seg_size(65536)}, {@code dma_set_seg_boundary(0xffffffff)}. */
    static final long PCI_MAX_SEG_SIZE = 0x10000;
    static final long PCI_SEG_BOUNDARY = 0xffffffffL;

    private final String name;
    private final Bus bus;
    private final String busName;
    private final boolean coherent;
    private final List<DmaRange> ranges;
    /** No {@code dma-ranges}: the bus address is the physical address (no range walk on the map path). */
    private final boolean identityBus;
    /**
     * Coherent and without {@code dma-ranges}: dma-direct maps such a device's buffer at its
     * physical address with no cache maintenance and no kmalloc bounce (the common PC case, tested
     * once on the map fast path instead of three times).
     */
    final boolean plainDirect;
    private final List<Long> memoryRegions;
    private final long busDmaLimit;
    private final String ofPath;
    private final String hostBridge;
    /** The {@code iommus} property's cells (phandle, then the IOMMU's specifier cells), or null. */
    volatile long[] iommus;
    /** PCI: the requester ID (bus << 8 | devfn). */
    volatile int pciRid;
    /** {@code dev->dma_mask == &dev->coherent_dma_mask}: one value, two names (AMBA). */
    private final boolean singleMask;
    private volatile long dmaMask;
    private volatile long coherentDmaMask;
    /**
     * {@code min_not_zero(*dev->dma_mask, bus_dma_limit)}, the last bus address a streaming map may
     * reach ({@code dma_capable}), or 0 when the device has no DMA mask: worked out whenever a
     * mask changes, so that the map fast path reads one field instead of two masks and a limit.
     */
    private volatile long mapLimit;
    /** {@code dev->dma_parms}: 0 means "not set", the getters then give the kernel's default. */
    private volatile long maxSegmentSize;
    private volatile long segmentBoundaryMask;
    private volatile long minAlignMask;
    /**
     * {@code dev->cma_area}: the name of a per-device CMA area from memory-region, or null. The
     * area itself is found through the CMA instance serving at each call, never kept.
     */
    volatile String cmaAreaName;
    /**
     * {@code dev->dma_io_tlb_mem} when it is not the default pool: the name of the
     * {@code restricted-dma-pool} region the device bounces through, or null. The pool itself is
     * found through the swiotlb instance serving at each call, never kept.
     */
    volatile String restrictedPool;
    /**
     * The last swiotlb instance whose pool for this device was seen not to force bouncing, or null
     * (no swiotlb: nothing forces); what the map fast path compares the serving instance with.
     */
    volatile Served<SwiotlbPool> directServed;
    /** {@code dev->dma_mem}: per-device coherent memory, or null. */
    volatile DeviceCoherentMem dmaMem;
    /** The DMA API that registered the device (what {@code own} checks without a lock). */
    volatile Object owner;
    /** {@code dev->dma_ops}: null for dma-direct. */
    volatile DmaOps dmaOps;
    private static final VarHandle DMA_OPS;

    static {
        try {
            DMA_OPS = MethodHandles.lookup().findVarHandle(Device.class, "dmaOps", DmaOps.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Drops {@code ops} (released: nothing of theirs is left) unless the device has other ops by now. */
    void dropOps(DmaOps ops) {
        DMA_OPS.compareAndSet(this, ops, (DmaOps) null);
    }

    /** The device holds mappings or buffers of ops other than {@link #dmaOps} (see DmaMapping.accessOps). */
    volatile boolean mixedOps;
    /** {@code dev->dma_ops_bypass}. */
    volatile boolean opsBypass;
    /** {@code dev->driver->name}: the bound driver, or null. */
    private volatile String driver;
    /** The live streaming mappings: concurrent, no lock on the map and unmap paths. */
    private final DeviceMappings mappings = new DeviceMappings(this);
    /** Guards {@link #revoked}. */
    private final Object revokedLock = new Object();
    /**
     * Mappings revoked by a forced-out backend, kept for the platform's life: their unmap and syncs
     * are refused and device access through them faults (their memory went back to its owner).
     */
    private final List<Mapping> revoked = new ArrayList<>();
    private volatile boolean anyRevoked;

    /**
     * @param busName the bus as {@code dev_driver_string()} names it without a driver: "platform",
     *     "amba" or "pci"
     * @param cfg what {@code of_dma_configure} (or a spec standing in for the firmware) set
     * @param ofPath the device-tree node the device was made from, or null
     * @param hostBridge PCI: the host bridge node {@code pci_dma_configure} configured it from, or null
     * @param singleMask {@code dev->dma_mask} points at {@code coherent_dma_mask}
     */
    Device(String name, Bus bus, String busName, OfDmaConfigure.DmaConfig cfg, List<Long> memoryRegions,
        String ofPath, String hostBridge, boolean singleMask) {
        this.name = name;
        this.bus = bus;
        this.busName = busName;
        this.coherent = cfg.coherent();
        this.ranges = List.copyOf(cfg.ranges());
        this.identityBus = ranges.isEmpty();
        this.plainDirect = identityBus && coherent;
        this.memoryRegions = List.copyOf(memoryRegions);
        this.busDmaLimit = cfg.busDmaLimit();
        this.dmaMask = cfg.dmaMask();
        this.coherentDmaMask = cfg.coherentMask();
        updateMapLimit();
        this.ofPath = ofPath;
        this.hostBridge = hostBridge;
        this.singleMask = singleMask;
        if (bus == Bus.PCI) {
            maxSegmentSize = PCI_MAX_SEG_SIZE;
            segmentBoundaryMask = PCI_SEG_BOUNDARY;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Bus bus() {
        return bus;
    }

    @Override
    public long dmaMask() {
        return singleMask ? coherentDmaMask : dmaMask;
    }

    /** {@code *dev->dma_mask = mask} (under the device's lock: the mask and {@link #mapLimit} change together). */
    synchronized void setDmaMask(long mask) {
        if (singleMask) {
            coherentDmaMask = mask;
        } else {
            dmaMask = mask;
        }
        updateMapLimit();
    }

    private void updateMapLimit() {
        long mask = dmaMask();
        mapLimit = mask == 0 ? 0 : DmaAddress.minNotZero(mask, busDmaLimit);
    }

    /**
     * The last bus address a streaming map may reach ({@code min_not_zero(*dma_mask,
     * bus_dma_limit)}, never 0 for a device with a mask), or 0 when it has no DMA mask.
     */
    long mapLimit() {
        return mapLimit;
    }

    @Override
    public long coherentDmaMask() {
        return coherentDmaMask;
    }

    synchronized void setCoherentDmaMask(long mask) {
        coherentDmaMask = mask;
        updateMapLimit(); // one value with the DMA mask on an AMBA device
    }

    /** Whether {@code dev->dma_mask} points at {@code coherent_dma_mask}. */
    boolean singleMask() {
        return singleMask;
    }

    @Override
    public long busDmaLimit() {
        return busDmaLimit;
    }

    @Override
    public boolean coherent() {
        return coherent;
    }

    @Override
    public List<DmaRange> dmaRanges() {
        return ranges;
    }

    /** {@code phys_to_dma_direct}: {@link DmaAddress#physToDma} without the walk when there are no ranges. */
    long physToDma(long phys) {
        return identityBus ? phys : DmaRange.physToDma(ranges, phys);
    }

    @Override
    public List<Long> memoryRegions() {
        return memoryRegions;
    }

    @Override
    public Optional<long[]> iommus() {
        long[] v = iommus;
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    @Override
    public Optional<String> ofNode() {
        return ofPath();
    }

    @Override
    public Optional<String> pciHostBridge() {
        return hostBridge();
    }

    @Override
    public OptionalInt pciRid() {
        return bus == Bus.PCI ? OptionalInt.of(pciRid) : OptionalInt.empty();
    }

    @Override
    public long maxSegmentSize() {
        long v = maxSegmentSize;
        return v != 0 ? v : DEFAULT_MAX_SEG_SIZE;
    }

    /** {@code dma_parms->max_segment_size = size} (an unsigned int in the kernel). */
    void setMaxSegmentSize(long size) {
        maxSegmentSize = size;
    }

    @Override
    public long segmentBoundary() {
        long v = segmentBoundaryMask;
        return v != 0 ? v : DEFAULT_SEG_BOUNDARY;
    }

    void setSegmentBoundary(long mask) {
        segmentBoundaryMask = mask;
    }

    @Override
    public long minAlignMask() {
        return minAlignMask;
    }

    void setMinAlignMask(long mask) {
        minAlignMask = mask;
    }

    /** {@code dev->of_node}: the DT node the device was made from. */
    Optional<String> ofPath() {
        return Optional.ofNullable(ofPath);
    }

    /** PCI: the host bridge node whose DMA description {@code pci_dma_configure} applied. */
    Optional<String> hostBridge() {
        return Optional.ofNullable(hostBridge);
    }

    /** {@code dev_driver_string()}: the bound driver's name, else the bus's. */
    @Override
    public String driverString() {
        String d = driver;
        return d != null ? d : busName;
    }

    /** The bus as {@code dev_driver_string()} names it without a driver: platform, amba or pci. */
    String busName() {
        return busName;
    }

    @Override
    public String driverName() {
        return driver;
    }

    /** {@code dev->driver = drv} ({@code really_probe}) or NULL ({@code device_unbind_cleanup}). */
    void setDriver(String name) {
        driver = name;
    }

    // ---- the device's streaming mappings ----

    /** Registers a mapping under its bus address (each DMA segment's, for a list). */
    void addMapping(Mapping m) {
        mappings.add(m);
    }

    /** Records a dma-direct single mapping that holds nothing (no object: {@link DirectSingleTable}). */
    void addDirectSingle(long dma, long phys, long size, DmaDirection dir, long attrs) {
        mappings.addDirectSingle(dma, phys, size, dir, attrs);
    }

    /**
     * The unmap fast path of a dma-direct single mapping that holds nothing: removes it when it is
     * the only mapping at {@code dma} the calling thread recorded and of {@code size}; false (and
     * nothing changes) otherwise.
     */
    boolean takeDirectSingle(long dma, long size) {
        return mappings.takeDirectSingle(dma, size);
    }

    /** dma-direct as the registering DMA API names it in records. */
    DmaOps directOps() {
        return ((DmaMapping) owner).direct();
    }

    /** Unregisters a mapping; false when another call removed it first. */
    boolean removeMapping(Mapping m) {
        return mappings.remove(m);
    }

    /**
     * The unmap fast path: removes and returns the one mapping registered at {@code dmaHandle} when
     * it is of {@code kind} and {@code size}; null (and nothing changes) otherwise, for the caller
     * to find out why.
     */
    Mapping takeMapping(long dmaHandle, Mapping.Kind kind, long size) {
        return mappings.take(dmaHandle, kind, size);
    }

    /** Every mapping registered at {@code dmaHandle}. */
    Mapping[] mappingsAt(long dmaHandle) {
        return mappings.at(dmaHandle);
    }

    /** The mapping whose bus range holds [addr, addr + size), or null. */
    Mapping mappingContaining(long addr, long size) {
        return mappings.containing(addr, size);
    }

    List<Mapping> mappings() {
        return mappings.all();
    }

    /** Moves a mapping from the live table to the revoked ones ({@code by}, its backend, was forced out). */
    void revoke(Mapping m, String by) {
        synchronized (revokedLock) {
            removeMapping(m);
            m.revoke(by);
            revoked.add(m);
            anyRevoked = true;
        }
    }

    /** A revoked mapping registered at {@code dmaHandle} (or holding it, with {@code within}), or null. */
    Mapping revokedAt(long dmaHandle, long size, boolean within) {
        if (!anyRevoked) {
            return null;
        }
        synchronized (revokedLock) {
            for (Mapping m : revoked) {
                if (within ? m.overlaps(dmaHandle, Math.max(size, 1)) : m.dmaHandle == dmaHandle) {
                    return m;
                }
            }
            return null;
        }
    }

    @Override
    public String toString() {
        return driverString() + " " + name;
    }
}
