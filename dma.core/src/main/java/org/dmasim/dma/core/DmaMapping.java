package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.backend.Revoker;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaApiDebug;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.dma.core.debug.DebugRules;
import org.dmasim.dma.core.debug.DmaDebug;
import org.dmasim.dma.core.debug.EntryType;
import org.dmasim.dma.core.debug.KernelAreas;
import org.dmasim.dma.core.debug.Misuse;

/**
 * The DMA API of one platform ({@code kernel/dma/mapping.c} + {@code coherent.c}): the device
 * registry, mask rules, per-device coherent memory in front of the ops, dispatch of every call
 * to the device's current {@link DmaOps} ({@code dma_map_direct}/{@code dma_alloc_direct}:
 * dma-direct unless the device has ops it does not bypass), and the records that send every
 * free, unmap and sync back to whatever made the buffer or mapping. The streaming half is
 * {@link StreamingApi}, the coherent half {@link CoherentApi}.
 *
 * <p>It is also the platform's {@link Revoker} for what dma.core records: when a backend
 * instance is forced out, every buffer and mapping holding it is revoked and reported.
 */
final class DmaMapping implements DmaApi, Revoker {
    /** SIZE_MAX as the API returns it. */
    private static final long SIZE_MAX = -1L;

    private final DmaEnv env;
    private final DirectOps direct;
    private final DeviceFactory factory;
    private final AllocationTracker tracker = new AllocationTracker();
    private final Map<String, Device> devices = new LinkedHashMap<>();
    /** DMA-API debugging, or null when the kernel is built without it (its hooks then cost one null test). */
    private final DmaDebug debug;
    private final KernelAreas areas;
    /** The kernel's DMA-API debug names (the types refusals and revocation reports name). */
    private final DebugRules rules;
    private final Misuse misuse;
    private final StreamingApi streaming;
    private final CoherentApi coherent;
    /** BUS_NOTIFY_ADD_DEVICE listeners (an IOMMU probing devices created after it). */
    private final List<Consumer<DmaDevice>> deviceAdded = new CopyOnWriteArrayList<>();

    /**
     * @param debug the platform's DMA-API debugging, null for a kernel without CONFIG_DMA_API_DEBUG
     * @param areas the kernel's address kinds and task stacks
     * @param rules the platform's kernel's DMA-API debug texts
     */
    DmaMapping(DmaEnv env, DeviceFactory factory, DmaDebug debug, KernelAreas areas, DebugRules rules) {
        this.env = env;
        this.direct = new DirectOps(env);
        this.factory = factory;
        this.debug = debug;
        this.areas = areas;
        this.rules = rules;
        this.misuse = new Misuse(env.log(), debug);
        this.streaming = new StreamingApi(env, this);
        this.coherent = new CoherentApi(env, this, tracker, factory);
    }

    /** The platform's DMA-API debugging, or null. */
    DmaDebug debug() {
        return debug;
    }

    Misuse misuse() {
        return misuse;
    }

    KernelAreas areas() {
        return areas;
    }

    /** Adds a device the factory made; false (and nothing changes) when the name is taken. */
    synchronized boolean register(Device dev) {
        if (devices.putIfAbsent(dev.name(), dev) != null) {
            return false;
        }
        dev.owner = this;
        return true;
    }

    // ---- dispatch (mapping.c) ----

    /** {@code dma_go_direct}: no ops, or ops bypassed with a mask that covers all RAM. */
    private boolean goDirect(Device dev, long mask, DmaOps ops) {
        if (ops == null) {
            return true;
        }
        return dev.opsBypass && Long.compareUnsigned(DmaAddress.minNotZero(mask, dev.busDmaLimit()),
            direct.requiredMask(dev)) >= 0;
    }

    /** {@code dma_alloc_direct}: the ops coherent allocations of the device go to now. */
    DmaOps allocOps(Device dev) {
        DmaOps ops = serving(dev);
        return goDirect(dev, dev.coherentDmaMask(), ops) ? direct : ops;
    }

    /** {@code dma_map_direct}: the ops mappings of the device go to now. */
    DmaOps mapOps(Device dev) {
        DmaOps ops = serving(dev);
        return goDirect(dev, dev.dmaMask(), ops) ? direct : ops;
    }

    /**
     * The device's ops if they still take new work: ops whose backend instance (an IOMMU that was
     * stopped or replaced) is draining or released send new work to dma-direct, as if the device had
     * never had them; what they made drains on them. Once released they are dropped from the device.
     */
    private static DmaOps serving(Device dev) {
        DmaOps ops = dev.dmaOps;
        if (ops == null) {
            return null;
        }
        Optional<BackendInstance> instance = ops.instance();
        if (instance.isEmpty() || instance.get().state() == BackendState.ACTIVE) {
            return ops;
        }
        if (instance.get().state() == BackendState.RELEASED) {
            dev.dropOps(ops);
        } else if (!dev.mixedOps) {
            dev.mixedOps = true; // dma-direct's work and the draining ops' live side by side
        }
        return null;
    }

    DirectOps direct() {
        return direct;
    }

    @Override
    public Optional<DmaOps> dmaOps(DmaDevice d) {
        return Optional.ofNullable(own(d).dmaOps);
    }

    @Override
    public void setDmaOps(DmaDevice d, DmaOps ops) {
        Device dev = own(d);
        if (ops == direct) {
            ops = null; // dma-direct is "no ops", as in the kernel
        }
        DmaOps before = dev.dmaOps;
        dev.dmaOps = ops;
        if (before != ops && !(dev.mappings().isEmpty() && tracker.of(dev.name()).isEmpty())) {
            // what the old ops made stays reachable through them until it is unmapped or freed
            dev.mixedOps = true;
        }
    }

    @Override
    public void setDmaOpsBypass(DmaDevice d, boolean bypass) {
        own(d).opsBypass = bypass;
    }

    /** {@code dma_get_merge_boundary}: 0 without ops (dma-direct cannot merge). */
    @Override
    public long mergeBoundary(DmaDevice d) {
        DmaOps ops = own(d).dmaOps;
        return ops == null ? 0 : ops.mergeBoundary(d);
    }

    @Override
    public synchronized List<DmaDevice> devices() {
        return new ArrayList<>(devices.values());
    }

    @Override
    public synchronized Optional<DmaDevice> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    @Override
    public DmaDevice createDevice(DeviceSpec spec) {
        synchronized (this) {
            if (devices.containsKey(spec.name())) {
                throw new IllegalArgumentException("device " + spec.name() + ": a device of that name exists"
                    + " (expected: unique device names, as the driver core requires)");
            }
        }
        Device dev = factory.create(spec);
        if (!register(dev)) {
            factory.discard(dev);
            throw new IllegalArgumentException("device " + spec.name() + ": a device of that name exists"
                + " (expected: unique device names, as the driver core requires)");
        }
        for (Consumer<DmaDevice> l : deviceAdded) {
            l.accept(dev);
        }
        return dev;
    }

    @Override
    public AutoCloseable onDeviceAdded(Consumer<DmaDevice> added) {
        deviceAdded.add(added);
        return () -> deviceAdded.remove(added);
    }

    /** The device, if this platform registered it (no lock: every call passes here). */
    Device own(DmaDevice d) {
        if (d instanceof Device x && x.owner == this) {
            return x;
        }
        throw new IllegalArgumentException("device " + (d == null ? "null" : d.name())
            + ": not a device of this platform (expected: a DmaDevice from devices() or createDevice())");
    }

    // ---- masks (mapping.c, direct.c) ----

    @Override
    public int setMask(DmaDevice d, long mask) {
        Device dev = own(d);
        if (!supported(dev, mask)) {
            return -Errno.EIO;
        }
        dev.setDmaMask(mask);
        return 0;
    }

    @Override
    public int setCoherentMask(DmaDevice d, long mask) {
        Device dev = own(d);
        if (!supported(dev, mask)) {
            return -Errno.EIO;
        }
        dev.setCoherentDmaMask(mask);
        return 0;
    }

    /** {@code dma_set_mask_and_coherent}: the coherent mask is set only when the streaming one was. */
    @Override
    public int setMaskAndCoherent(DmaDevice d, long mask) {
        int rc = setMask(d, mask);
        if (rc == 0) {
            setCoherentMask(d, mask);
        }
        return rc;
    }

    /**
     * {@code dma_supported}: dma-direct's rule for a device without ops ({@code dma_direct_supported});
     * ops without the operation accept every mask. (The kernel asks the ops even in bypass: their
     * {@code dma_supported} sets the bypass.)
     */
    @Override
    public boolean supported(DmaDevice d, long mask) {
        Device dev = own(d);
        DmaOps ops = dev.dmaOps;
        return (ops == null ? direct : ops).dmaSupported(dev, mask);
    }

    /** {@code dma_get_required_mask}: dma-direct's for direct allocations, else the ops' (32 bits without). */
    @Override
    public long requiredMask(DmaDevice d) {
        Device dev = own(d);
        return allocOps(dev).requiredMask(dev);
    }

    @Override
    public int cacheAlignment() {
        return env.arch().cacheAlignment();
    }

    /** {@code dma_max_mapping_size}: the mapping ops' limit (dma-direct: swiotlb's when it may bounce). */
    @Override
    public long maxMappingSize(DmaDevice d) {
        Device dev = own(d);
        return mapOps(dev).maxMappingSize(dev);
    }

    /**
     * {@code dma_opt_mapping_size}: {@code min(dma_max_mapping_size(dev), size)} where size is
     * SIZE_MAX unless the device's ops have an {@code opt_mapping_size}; dma-direct has no ops.
     */
    @Override
    public long optMappingSize(DmaDevice d) {
        Device dev = own(d);
        DmaOps ops = dev.dmaOps;
        long opt = ops == null ? SIZE_MAX : ops.optMappingSize(dev);
        long max = maxMappingSize(dev);
        return Long.compareUnsigned(max, opt) <= 0 ? max : opt;
    }

    // ---- dma_parms (include/linux/dma-mapping.h) ----

    @Override
    public int setMaxSegmentSize(DmaDevice d, long size) {
        Device dev = own(d);
        checkUnsignedInt("dma_set_max_seg_size", "size", size);
        dev.setMaxSegmentSize(size);
        return 0;
    }

    @Override
    public int setSegmentBoundary(DmaDevice d, long mask) {
        own(d).setSegmentBoundary(mask);
        return 0;
    }

    @Override
    public void setMinAlignMask(DmaDevice d, long mask) {
        Device dev = own(d);
        checkUnsignedInt("dma_set_min_align_mask", "min_align_mask", mask);
        dev.setMinAlignMask(mask);
    }

    private static void checkUnsignedInt(String fn, String what, long v) {
        if (v < 0 || v > 0xffffffffL) {
            throw new IllegalArgumentException(String.format("%s: %s %#x (expected: 0..0xffffffff, an unsigned int)",
                fn, what, v));
        }
    }

    // ---- the device view ----

    @Override
    public DeviceInfoDTO deviceInfo(DmaDevice d) {
        Device dev = own(d);
        return new DeviceView(env, tracker).of(dev, requiredMask(dev), maxMappingSize(dev), optMappingSize(dev));
    }

    // ---- coherent memory: CoherentApi ----

    @Override
    public Optional<CoherentBuffer> alloc(DmaDevice d, long size, int gfp, long attrs) {
        return coherent.alloc(own(d), size, gfp, attrs);
    }

    @Override
    public void free(DmaDevice d, long size, long cpuAddr, long dmaHandle, long attrs) {
        coherent.free(own(d), size, cpuAddr, dmaHandle, attrs);
    }

    @Override
    public Optional<CoherentBuffer> allocPages(DmaDevice d, long size, int gfp) {
        return coherent.allocLinear(own(d), size, gfp, "pages");
    }

    @Override
    public Optional<CoherentBuffer> allocNoncoherent(DmaDevice d, long size, int gfp) {
        return coherent.allocLinear(own(d), size, gfp, "noncoherent");
    }

    @Override
    public void freePages(DmaDevice d, long size, long cpuAddr, long dmaHandle) {
        coherent.freeLinear(own(d), size, cpuAddr, dmaHandle, "dma_free_pages");
    }

    @Override
    public void freeNoncoherent(DmaDevice d, long size, long cpuAddr, long dmaHandle) {
        coherent.freeLinear(own(d), size, cpuAddr, dmaHandle, "dma_free_noncoherent");
    }

    @Override
    public MmapResult mmapCoherent(DmaDevice d, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff) {
        return coherent.mmap(own(d), cpuAddr, dmaHandle, size, vmaPages, pgoff);
    }

    @Override
    public int declareCoherentMemory(DmaDevice d, long phys, long devAddr, long size) {
        return coherent.declare(own(d), phys, devAddr, size);
    }

    @Override
    public List<CoherentBuffer> allocations() {
        return tracker.all();
    }

    @Override
    public KernelVm kernelVm() {
        return env.vm();
    }

    /** The name DMA-API debugging gives an entry type under this platform's kernel. */
    String typeName(EntryType type) {
        return rules.typeName(type);
    }

    /** A coherent buffer's type as DMA-API debugging names it: coherent, or single for dma_alloc_pages'. */
    String bufferType(CoherentBuffer b) {
        return typeName(AllocationTracker.isCoherent(b) ? EntryType.COHERENT : EntryType.SINGLE);
    }

    /** Logs a refusal: the kernel's WARN line, or a {@code dmasim:} remark. */
    void report(String message) {
        if (message.startsWith("dmasim: ")) {
            env.log().dmasim(message.substring("dmasim: ".length()));
        } else {
            env.log().warn(message);
        }
    }

    // ---- streaming DMA: StreamingApi ----

    @Override
    public DmaAddr mapSingle(DmaDevice dev, CpuAddr cpuAddr, long size, DmaDirection dir, long attrs) {
        return streaming.mapSingle(own(dev), cpuAddr, size, dir, attrs);
    }

    @Override
    public void unmapSingle(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir, long attrs) {
        streaming.unmapSingle("dma_unmap_single_attrs", own(dev), dmaHandle, size, dir, attrs);
    }

    @Override
    public DmaAddr mapPage(DmaDevice dev, long pfn, long offset, long size, DmaDirection dir, long attrs) {
        return streaming.mapPage(own(dev), pfn, offset, size, dir, attrs);
    }

    @Override
    public void unmapPage(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir, long attrs) {
        streaming.unmapSingle("dma_unmap_page_attrs", own(dev), dmaHandle, size, dir, attrs);
    }

    @Override
    public int mapSg(DmaDevice dev, SgTable sg, int nents, DmaDirection dir, long attrs) {
        int ents = streaming.mapSg("dma_map_sg_attrs", own(dev), sg, nents, dir, attrs);
        return ents < 0 ? 0 : ents;
    }

    @Override
    public int mapSgtable(DmaDevice dev, SgTable sgt, DmaDirection dir, long attrs) {
        int nents = streaming.mapSg("dma_map_sgtable", own(dev), sgt, sgt.origNents(), dir, attrs);
        if (nents < 0) {
            return nents;
        }
        sgt.setNents(nents);
        return 0;
    }

    @Override
    public void unmapSg(DmaDevice dev, SgTable sg, int nents, DmaDirection dir, long attrs) {
        streaming.unmapSg(own(dev), sg, nents, dir, attrs);
    }

    @Override
    public DmaAddr mapResource(DmaDevice dev, PhysAddr phys, long size, DmaDirection dir, long attrs) {
        return streaming.mapResource(own(dev), phys, size, dir, attrs);
    }

    @Override
    public void unmapResource(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir, long attrs) {
        streaming.unmap("dma_unmap_resource", own(dev), dmaHandle, size, dir, attrs, StreamingMapping.Kind.RESOURCE);
    }

    @Override
    public void syncSingleForCpu(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir) {
        streaming.syncSingle("dma_sync_single_for_cpu", own(dev), dmaHandle, size, dir, true);
    }

    @Override
    public void syncSingleForDevice(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir) {
        streaming.syncSingle("dma_sync_single_for_device", own(dev), dmaHandle, size, dir, false);
    }

    @Override
    public void syncSgForCpu(DmaDevice dev, SgTable sg, int nents, DmaDirection dir) {
        streaming.syncSg("dma_sync_sg_for_cpu", own(dev), sg, nents, dir, true);
    }

    @Override
    public void syncSgForDevice(DmaDevice dev, SgTable sg, int nents, DmaDirection dir) {
        streaming.syncSg("dma_sync_sg_for_device", own(dev), sg, nents, dir, false);
    }

    /** {@code dma_mapping_error}: DMA-API debugging notes that the driver asked. */
    @Override
    public int mappingError(DmaDevice d, DmaAddr dmaHandle) {
        Device dev = own(d);
        if (debug != null) {
            debug.mappingError(dev, dmaHandle.value());
        }
        return dmaHandle.isMappingError() ? -Errno.ENOMEM : 0;
    }

    @Override
    public boolean needSync(DmaDevice dev, DmaAddr dmaHandle) {
        return streaming.needSync(own(dev), dmaHandle);
    }

    @Override
    public List<StreamingMapping> mappings() {
        List<Device> all;
        synchronized (this) {
            all = new ArrayList<>(devices.values());
        }
        List<StreamingMapping> out = new ArrayList<>();
        for (Device d : all) {
            out.addAll(d.mappings());
        }
        return out;
    }

    @Override
    public PhysAddr deviceAccess(DmaDevice dev, DmaAddr dmaHandle, long size, boolean write) {
        Device d = own(dev);
        Mapping revoked = d.revokedAt(dmaHandle.value(), size, true);
        if (revoked != null) {
            throw new BusFault(d.name(), dmaHandle.value(), String.format("%s %s: bus access at 0x%016x (%d bytes) hits"
                + " a revoked mapping (%s was forced out): the access faults, memory is untouched", d.driverString(),
                d.name(), dmaHandle.value(), size, revoked.revokedBy()));
        }
        DmaOps ops = accessOps(d, dmaHandle.value(), Math.max(size, 1));
        long phys = ops.busToPhys(d, dmaHandle.value(), Math.max(size, 1), write);
        if (phys == -1) {
            throw new BusFault(d.name(), dmaHandle.value(), String.format("%s %s: bus access at 0x%016x (%d bytes):"
                + " no memory answers there (outside the device's windows, ops %s)", d.driverString(), d.name(),
                dmaHandle.value(), size, ops.name()));
        }
        return new PhysAddr(phys);
    }

    /**
     * The ops that translate a device's access: its current ops, unless its ops changed while it
     * held mappings or buffers made by the old ones (an IOMMU stopped or started under it). Then the
     * live mapping or buffer the address falls in says which ops gave the address out: a device
     * keeps reaching what it was given until the driver unmaps it, as the drain rule requires. When
     * nothing made by other ops is left, the device is back on the fast path.
     */
    private DmaOps accessOps(Device d, long dma, long size) {
        DmaOps current = d.dmaOps == null ? direct : d.dmaOps;
        if (!d.mixedOps) {
            return current;
        }
        boolean others = false;
        DmaOps found = null;
        for (Mapping m : d.mappings()) {
            DmaOps made = m.ops == direct ? direct : m.ops;
            others |= made != current;
            if (found == null && m.overlaps(dma, size)) {
                found = made;
            }
        }
        for (AllocationTracker.Coherent c : tracker.of(d.name())) {
            DmaOps made = c.ops();
            others |= made != current;
            CoherentBuffer b = c.buffer();
            if (found == null && Long.compareUnsigned(dma - b.dmaHandle(), b.size()) < 0) {
                found = made;
            }
        }
        if (!others) {
            d.mixedOps = false;
        }
        return found != null ? found : current;
    }

    // ---- forced-out backends (Revoker) ----

    /**
     * Revokes what dma.core recorded as holding {@code instance} ({@link Revocation}): streaming
     * mappings and coherent buffers, each device that held some reported as a driver unbound with
     * live DMA.
     */
    @Override
    public void revoke(BackendInstance instance, Consumer<String> report) {
        List<Device> all;
        synchronized (this) {
            all = new ArrayList<>(devices.values());
        }
        new Revocation(this, tracker, debug).revoke(all, instance, report);
    }

    // ---- drivers and DMA-API debugging ----

    @Override
    public Optional<DmaApiDebug> dmaDebug() {
        return Optional.ofNullable(debug);
    }

    @Override
    public void bindDriver(DmaDevice d, String driver) {
        Device dev = own(d);
        if (driver == null || driver.isBlank() || driver.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("driver name '" + driver + "' for " + dev.name() + " (expected: a"
                + " driver's name, without white space, e.g. e1000e)");
        }
        synchronized (dev) {
            String bound = dev.driverName();
            if (bound != null) {
                throw new IllegalArgumentException(dev.busName() + " " + dev.name() + ": driver " + bound + " is bound"
                    + " already (-EBUSY); unbind it before binding " + driver);
            }
            dev.setDriver(driver);
        }
    }

    /**
     * {@code device_release_driver}: {@code dev->driver} goes to NULL, then the bus notifiers run
     * ({@code BUS_NOTIFY_UNBOUND_DRIVER}); DMA-API debugging is one of them on the PCI bus.
     */
    @Override
    public List<String> unbindDriver(DmaDevice d) {
        Device dev = own(d);
        String was;
        synchronized (dev) {
            was = dev.driverName();
            if (was == null) {
                throw new IllegalArgumentException(dev.busName() + " " + dev.name() + ": no driver is bound"
                    + " (nothing to unbind)");
            }
            dev.setDriver(null);
        }
        List<String> out = new ArrayList<>();
        boolean notified = dev.bus() == DmaDevice.Bus.PCI;
        if (debug != null && notified) {
            out.addAll(debug.driverUnbound(dev));
        }
        int live = dev.mappings().size() + tracker.of(dev.name()).size();
        if (live > 0 && out.isEmpty()) {
            String why;
            if (debug == null || !debug.active()) {
                why = "without DMA-API debugging Linux does not notice";
            } else if (!notified) {
                why = "DMA-API debugging listens to driver unbinds on the PCI bus only (6.1 calls dma_debug_add_bus"
                    + " for it alone), so Linux says nothing";
            } else {
                why = "DMA-API debugging did not print it: num_errors was used up or driver_filter is set (it counts"
                    + " in error_count), or it does not track these (per-device pool buffers, NO_KERNEL_MAPPING ones)";
            }
            String text = dev.busName() + " " + dev.name() + ": driver " + was + " unbound with " + live + " live DMA"
                + " mapping" + (live == 1 ? "" : "s") + " and buffers, left as they are (leaked, as Linux leaks them; "
                + why + ")";
            env.log().dmasim(text);
            out.add("dmasim: " + text);
        }
        return out;
    }

    @Override
    public Optional<String> driver(DmaDevice d) {
        return Optional.ofNullable(own(d).driverName());
    }

    @Override
    public CpuAddr taskStack() {
        return new CpuAddr(areas.taskStack());
    }
}
