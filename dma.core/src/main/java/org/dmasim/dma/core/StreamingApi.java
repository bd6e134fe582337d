package org.dmasim.dma.core;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping.Kind;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Page;
import org.dmasim.dma.core.debug.DmaDebug;
import org.dmasim.dma.core.debug.EntryType;
import org.dmasim.dma.core.debug.Misuse;

/**
 * The streaming entry points of {@code kernel/dma/mapping.c} (and {@code dma_map_single_attrs}
 * of {@code dma-mapping.h}), Linux 6.1: argument checks, dispatch to the device's mapping ops,
 * and the record of every mapping that sends its unmap and syncs back to the ops (and backend
 * instance) that made it.
 *
 * <p>Checks, as the kernel makes them: an invalid direction is {@code BUG_ON(!valid_dma_direction(dir))}
 * (refused here, nothing changes); a device without a DMA mask gets
 * {@code WARN_ON_ONCE(!dev->dma_mask)} and DMA_MAPPING_ERROR (0 segments for a list); a vmalloc
 * address given to {@code dma_map_single} is rejected with the kernel's warning. An unmap that
 * does not match a recorded mapping (an address never mapped or already unmapped,
 * DMA_MAPPING_ERROR, another size, another API family, another list length) is refused and
 * changes nothing ({@link Misuse}), as frees of coherent memory are.
 *
 * <p>DMA-API debugging ({@link DmaDebug}, when the kernel has it) is called where mapping.c calls
 * it: {@code debug_dma_map_single} before the map, {@code debug_dma_map_page}/{@code _sg}/
 * {@code _resource} after it, {@code debug_dma_unmap_page}/{@code _resource} after the ops'
 * unmap and {@code debug_dma_unmap_sg} before it, the sync hooks after the ops' sync. An unmap
 * dmasim refuses still goes through the debug hook, which reports what the kernel would and
 * keeps its entry.
 *
 * <p>Hot path of a map and unmap of a buffer that needs no bounce (dma-direct): the ops read once,
 * one entry into and out of the calling thread's {@link DirectSingleTable}, no lock, no
 * compare-and-set, no {@link Mapping} allocated. Everything else (bounces, ops of their own,
 * lists, resources) is a {@link Mapping} in a {@link MappingTable}.
 */
final class StreamingApi {
    private final DmaEnv env;
    /** The kernel's address space (a field of its own: one load less on the fast path). */
    private final KernelVm vm;
    private final DmaMapping api;
    /** dma-direct as ops (what records name) and as code (what the fast path calls). */
    private final DmaOps direct;
    private final DirectStreaming streaming;
    /** DMA-API debugging, or null: every hook is behind one test of this final field. */
    private final DmaDebug debug;
    private final Misuse misuse;
    /** {@code pageOffset - physOffset}: a linear-map address less this is its physical address. */
    private final long linearDelta;
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();

    StreamingApi(DmaEnv env, DmaMapping api) {
        this.env = env;
        this.vm = env.vm();
        this.api = api;
        this.direct = api.direct();
        this.streaming = api.direct().streaming();
        this.debug = api.debug();
        this.misuse = api.misuse();
        long firstRam = env.memory().isEmpty() ? 0 : env.memory().get(0).base();
        this.linearDelta = env.memory().isEmpty() ? 0 : env.vm().linearAddress(firstRam) - firstRam;
    }

    // ---- checks ----

    /** {@code BUG_ON(!valid_dma_direction(dir))}. */
    private static void checkDirection(String fn, Device dev, DmaDirection dir) {
        if (!DmaDirection.valid(dir)) {
            throw new IllegalArgumentException(fn + "(" + dev.name() + "): direction "
                + (dir == null ? "null" : dir.kernelName()) + ": kernel BUG at kernel/dma/mapping.c"
                + " (BUG_ON(!valid_dma_direction(dir))); nothing was mapped");
        }
    }

    /** {@code WARN_ON_ONCE(!dev->dma_mask)}: true when the call must fail. */
    private boolean noDmaMask(String fn, Device dev) {
        if (dev.dmaMask() != 0) {
            return false;
        }
        if (warnedOnce.add(fn)) {
            env.log().warn("WARNING: " + fn + ": " + dev.name() + " has no dma_mask (WARN_ON_ONCE(!dev->dma_mask))");
        }
        return true;
    }

    private static void checkSize(String fn, Device dev, long size) {
        if (size < 0) {
            throw new IllegalArgumentException(fn + "(" + dev.name() + "): size " + size
                + " (expected: 0 or more bytes, a size_t)");
        }
    }

    // ---- map ----

    /**
     * {@code dma_map_single_attrs}: a vmalloc address is rejected (dev_WARN_ONCE, DMA_MAPPING_ERROR);
     * a linear-map address goes to {@code dma_map_page_attrs} with its page and offset.
     *
     * <p>Shaped for the JIT: the common case (see {@link #mapDirect}) is the first lines, and
     * everything else is one call to {@link #mapSingleChecked}, so that the compiled method stays
     * small enough for C2 to inline into the driver's call; then the {@link DmaAddr} made here
     * never leaves the caller's frame and a map allocates nothing.
     */
    DmaAddr mapSingle(Device dev, CpuAddr cpuAddr, long size, DmaDirection dir, long attrs) {
        long kva = cpuAddr.value();
        if (vm.isLinear(kva)) {
            long dma = mapDirect(dev, kva - linearDelta, size, dir, attrs);
            if (dma != DmaOps.DMA_MAPPING_ERROR) {
                return new DmaAddr(dma);
            }
        }
        return mapSingleChecked(dev, kva, size, dir, attrs);
    }

    /**
     * The fast path of {@code dma_map_single}/{@code dma_map_page}: the bus address when the call
     * can only end as a dma-direct map without a bounce (no DMA-API debugging, a valid direction
     * and size, a DMA mask, no ops, attributes a {@link DirectSingleTable} records) and
     * {@link DirectStreaming#mapUnbounced} maps it, recorded in the calling thread's table;
     * DMA_MAPPING_ERROR, nothing done, for anything else, which the caller then sends through the
     * full checks ({@link #mapPage(String, Device, long, long, long, DmaDirection, long)}), where
     * every warning, refusal and hook happens in the kernel's order. None of the tests here has
     * a side effect, so making them twice changes nothing.
     */
    private long mapDirect(Device dev, long phys, long size, DmaDirection dir, long attrs) {
        if (debug != null || !DmaDirection.valid(dir) || !DirectSingleTable.fits(size, attrs) || dev.dmaOps != null) {
            return DmaOps.DMA_MAPPING_ERROR;
        }
        long dma = streaming.mapUnbounced(dev, phys, size, dir, attrs);
        if (dma != DmaOps.DMA_MAPPING_ERROR) {
            dev.addDirectSingle(dma, phys, size, dir, attrs);
        }
        return dma;
    }

    /** {@link #mapSingle} when {@link #mapDirect} did not map: every check and hook, in the kernel's order. */
    private DmaAddr mapSingleChecked(Device dev, long kva, long size, DmaDirection dir, long attrs) {
        if (!vm.isLinear(kva)) {
            return mapSingleNotLinear(dev, kva, size);
        }
        if (debug != null) {
            debug.mapSingle(dev, kva, size);
        }
        long phys = kva - linearDelta;
        long dma = mapPageChecked("dma_map_single_attrs", dev, Page.pfnDown(phys), phys & (Page.PAGE_SIZE - 1), size,
            dir, attrs);
        return dma == DmaOps.DMA_MAPPING_ERROR ? DmaAddr.MAPPING_ERROR : new DmaAddr(dma);
    }

    /**
     * A vmalloc address (rejected as the kernel rejects it, before DMA-API debugging sees it) or no
     * address dmasim can map at all (DMA-API debugging says {@code invalid area} first; dmasim
     * then refuses, as {@code virt_to_page} would hand dma-direct a page that is not there).
     */
    private DmaAddr mapSingleNotLinear(Device dev, long kva, long size) {
        if (env.vm().isVmalloc(kva)) {
            if (warnedOnce.add("dma_map_single_attrs")) {
                env.log().warn(dev.driverString() + " " + dev.name() + ": rejecting DMA map of vmalloc memory");
            }
            return DmaAddr.MAPPING_ERROR;
        }
        if (debug != null) {
            debug.mapSingle(dev, kva, size);
        }
        String what = api.areas().isUnsimulatedImage(kva)
            ? " is in the kernel image's mapping (__START_KERNEL_map), which dmasim does not simulate (Linux would map"
                + " the image's page without a word: DMA-API debugging's text/rodata check compares the page's"
                + " linear-map address and cannot see it)"
            : " is not a linear-map address of this platform (expected: what page_address/kmalloc return;"
                + " virt_to_page would give a struct page that does not exist)";
        throw new IllegalArgumentException(String.format("dma_map_single(%s): CPU address 0x%x%s", dev.name(), kva,
            what));
    }

    /** {@code dma_map_page_attrs}: the fast path of {@link #mapSingle}, then the full checks. */
    DmaAddr mapPage(Device dev, long pfn, long offset, long size, DmaDirection dir, long attrs) {
        long dma = mapDirect(dev, Page.pfnPhys(pfn) + offset, size, dir, attrs);
        if (dma == DmaOps.DMA_MAPPING_ERROR) {
            dma = mapPageChecked("dma_map_page_attrs", dev, pfn, offset, size, dir, attrs);
        }
        // Made here, where the caller inlines it, and always new (DMA_MAPPING_ERROR's value for a
        // failure, equal to DmaAddr.MAPPING_ERROR): one allocation the JIT can then leave out.
        return new DmaAddr(dma);
    }

    private long mapPageChecked(String fn, Device dev, long pfn, long offset, long size, DmaDirection dir,
        long attrs) {
        checkDirection("dma_map_page_attrs", dev, dir);
        checkSize("dma_map_page_attrs", dev, size);
        if (noDmaMask("dma_map_page_attrs", dev)) {
            return DmaOps.DMA_MAPPING_ERROR;
        }
        long dma = map(dev, Kind.SINGLE, Page.pfnPhys(pfn) + offset, size, dir, attrs);
        if (debug != null) {
            debug.mapPage(dev, pfn, offset, size, dir, dma, attrs, fn);
        }
        return dma;
    }

    /** {@code dma_map_resource}. */
    DmaAddr mapResource(Device dev, PhysAddr phys, long size, DmaDirection dir, long attrs) {
        checkDirection("dma_map_resource", dev, dir);
        checkSize("dma_map_resource", dev, size);
        if (noDmaMask("dma_map_resource", dev)) {
            return DmaAddr.MAPPING_ERROR;
        }
        long dma = map(dev, Kind.RESOURCE, phys.value(), size, dir, attrs);
        if (debug != null) {
            debug.mapResource(dev, phys.value(), size, dir, dma, attrs);
        }
        return dma == DmaOps.DMA_MAPPING_ERROR ? DmaAddr.MAPPING_ERROR : new DmaAddr(dma);
    }

    private long map(Device dev, Kind kind, long phys, long size, DmaDirection dir, long attrs) {
        DmaOps ops = api.mapOps(dev);
        if (ops == direct && kind == Kind.SINGLE && DirectSingleTable.fits(attrs)) {
            // dma-direct, called as mapping.c calls dma_direct_map_page; recorded without an object.
            long dma = streaming.mapUnbounced(dev, phys, size, dir, attrs);
            if (dma != DmaOps.DMA_MAPPING_ERROR) {
                dev.addDirectSingle(dma, phys, size, dir, attrs);
                return dma;
            }
        }
        Mapping m = new Mapping(dev, kind, phys, size, dir, attrs, ops, null, 0);
        if (ops == direct && kind == Kind.SINGLE) {
            // dma-direct bouncing (or failing): the mapping holds the swiotlb instance.
            long dma = streaming.mapPage(m);
            if (dma != DmaOps.DMA_MAPPING_ERROR) {
                m.dmaHandle = dma;
                dev.addMapping(m);
            } else {
                m.releaseHoldings();
            }
            return dma;
        }
        if (!holdOps(m, ops)) {
            return notServing(m, ops, kind);
        }
        long dma;
        try {
            dma = kind == Kind.RESOURCE ? ops.mapResource(m) : ops.mapPage(m);
        } catch (RuntimeException e) {
            m.releaseHoldings();
            throw e;
        }
        if (dma == DmaOps.DMA_MAPPING_ERROR) {
            m.releaseHoldings();
            return refusedByChild(m, ops) ? notServing(m, ops, kind) : dma;
        }
        heldByBackend(m, ops);
        m.dmaHandle = dma;
        dev.addMapping(m);
        return dma;
    }

    /**
     * A map the ops took no new work for (their instance began draining): done again on the
     * device's ops now (dma-direct, once the draining ops stopped serving it), or refused.
     */
    private long notServing(Mapping m, DmaOps ops, Kind kind) {
        if (api.mapOps(m.dev) != ops) {
            return map(m.dev, kind, m.phys, m.size, m.dir, m.attrs); // the ops began draining meanwhile: dma-direct now
        }
        refused(m, ops);
        return DmaOps.DMA_MAPPING_ERROR;
    }

    /**
     * Holds the ops' own backend instance (an IOMMU's) for the mapping; false when it takes no new
     * work. Ops that hold it through a child of their own ({@link DmaOps#holdsInstanceThroughChild})
     * are not held here: their map takes the one count ({@link #heldByBackend}).
     */
    private boolean holdOps(Mapping m, DmaOps ops) {
        Optional<BackendInstance> instance = ops.instance();
        if (instance.isEmpty() || ops.holdsInstanceThroughChild()) {
            return true;
        }
        if (!instance.get().tryHold()) {
            return false;
        }
        m.setOpsInstance(instance.get());
        return true;
    }

    /**
     * After the ops' map succeeded: the mapping records the ops' instance its backend holds for it
     * (none yet while the ops are being set up: then there is nothing to record, as for ops
     * without an instance).
     */
    private static void heldByBackend(Mapping m, DmaOps ops) {
        if (ops.holdsInstanceThroughChild()) {
            Optional<BackendInstance> instance = ops.instance();
            if (instance.isPresent()) {
                m.setOpsInstanceHeldByBackend(instance.get());
            }
        }
    }

    /**
     * After the ops' map failed: whether it failed because the ops take no new work (their instance,
     * held through a child, is no longer ACTIVE) rather than for want of space.
     */
    private static boolean refusedByChild(Mapping m, DmaOps ops) {
        return ops.holdsInstanceThroughChild() && m.backendOrNull() == null
            && ops.instance().map(i -> i.state() != BackendState.ACTIVE).orElse(false);
    }

    private void refused(Mapping m, DmaOps ops) {
        env.log().dmasim("dma ops " + ops.name() + " (" + ops.instance().map(BackendInstance::id).orElse("?")
            + ") take no new work: " + m.dev.name() + "'s map fails");
    }

    /**
     * {@code __dma_map_sg_attrs}: the segment count, or a negative errno (-EINVAL, -ENOMEM, -EIO);
     * anything else an ops table returns is WARNed and becomes -EIO.
     */
    int mapSg(String fn, Device dev, SgTable sg, int nents, DmaDirection dir, long attrs) {
        checkDirection(fn, dev, dir);
        if (nents < 0 || nents > sg.origNents()) {
            throw new IllegalArgumentException(fn + "(" + dev.name() + "): nents " + nents + " (expected: 0.."
                + sg.origNents() + ", the entries of the list)");
        }
        if (noDmaMask("__dma_map_sg_attrs", dev)) {
            return 0;
        }
        DmaOps ops = api.mapOps(dev);
        long phys = nents == 0 ? 0 : sg.phys(0);
        Mapping m = new Mapping(dev, Kind.SG, phys, sg.totalLength(nents), dir, attrs, ops, sg, nents);
        if (!holdOps(m, ops)) {
            return sgNotServing(fn, m, ops, sg, nents);
        }
        int ents;
        try {
            ents = nents == 0 ? 0 : ops.mapSg(m);
        } catch (RuntimeException e) {
            m.releaseHoldings();
            throw e;
        }
        if (ents <= 0 && refusedByChild(m, ops)) {
            m.releaseHoldings();
            return sgNotServing(fn, m, ops, sg, nents);
        }
        if (ents > 0) {
            heldByBackend(m, ops);
            m.setSgMappedEnts(ents);
            m.dmaHandle = sg.dmaAddress(0);
            dev.addMapping(m);
            if (debug != null) {
                debug.mapSg(dev, sg, nents, ents, dir, attrs);
            }
            return ents;
        }
        m.releaseHoldings();
        if (ents != -Errno.EINVAL && ents != -Errno.ENOMEM && ents != -Errno.EIO) {
            if (warnedOnce.add("__dma_map_sg_attrs")) {
                env.log().warn("WARNING: __dma_map_sg_attrs: " + dev.name() + ": " + ops.name() + " returned " + ents
                    + " (WARN_ON_ONCE(ents != -EINVAL && ents != -ENOMEM && ents != -EIO))");
            }
            return -Errno.EIO;
        }
        return ents;
    }

    /** {@link #notServing} of a list: mapped again on the device's ops now, or refused with -EIO. */
    private int sgNotServing(String fn, Mapping m, DmaOps ops, SgTable sg, int nents) {
        if (api.mapOps(m.dev) != ops) {
            return mapSg(fn, m.dev, sg, nents, m.dir, m.attrs); // the ops began draining meanwhile
        }
        refused(m, ops);
        return -Errno.EIO;
    }

    // ---- unmap ----

    /**
     * {@code dma_unmap_single_attrs} and {@code dma_unmap_page_attrs}. Shaped for the JIT as
     * {@link #mapSingle} is: the common case (no DMA-API debugging, a valid direction, the calling
     * thread's own direct mapping alone at its address and of this size) is removed and synced here,
     * small enough to inline into the caller; anything else goes through {@link #unmap}, which
     * makes every check and refusal (the fast path's tests change nothing when they fail).
     */
    void unmapSingle(String fn, Device dev, DmaAddr handle, long size, DmaDirection dir, long attrs) {
        long dma = handle.value();
        boolean fast = debug == null && DmaDirection.valid(dir);
        if (fast && dev.takeDirectSingle(dma, size)) {
            streaming.unmapUnbounced(dev, dma, size, dir, attrs); // dma_direct_unmap_page, nothing bounced
            return;
        }
        unmap(fn, dev, dma, size, dir, attrs, Kind.SINGLE, !fast);
    }

    /**
     * {@code dma_unmap_page_attrs} (and {@code _single}, {@code dma_unmap_resource}): to the ops
     * that made the mapping, whatever the device uses now.
     */
    void unmap(String fn, Device dev, DmaAddr handle, long size, DmaDirection dir, long attrs, Kind kind) {
        unmap(fn, dev, handle.value(), size, dir, attrs, kind, true);
    }

    /** {@link #unmap}, told whether the direct table is still to be tried (it was, when the fast path failed). */
    private void unmap(String fn, Device dev, long dma, long size, DmaDirection dir, long attrs, Kind kind,
        boolean tryDirect) {
        checkDirection(fn, dev, dir);
        if (tryDirect && kind == Kind.SINGLE && dev.takeDirectSingle(dma, size)) {
            streaming.unmapUnbounced(dev, dma, size, dir, attrs); // dma_direct_unmap_page, nothing bounced
            if (debug != null) {
                debug.unmapPage(dev, dma, size, dir, true);
            }
            return;
        }
        Mapping m = dev.takeMapping(dma, kind, size);
        if (m == null) {
            m = slowTake(fn, dev, dma, size, dir, kind);
        }
        if (m.ops == direct && kind == Kind.SINGLE && !m.holdsAnything()) {
            streaming.unmapPage(m, dma, size, dir, attrs); // dma_direct_unmap_page, nothing held
            if (debug != null) {
                debug.unmapPage(dev, dma, size, dir, true);
            }
            return;
        }
        try {
            if (kind == Kind.RESOURCE) {
                m.ops.unmapResource(m, size, dir, attrs);
            } else {
                m.ops.unmapPage(m, size, dir, attrs);
            }
        } finally {
            m.releaseHoldings();
        }
        if (debug != null) {
            debugUnmap(dev, kind, dma, size, dir, true);
        }
    }

    /** {@code debug_dma_unmap_page} or {@code debug_dma_unmap_resource}. */
    private void debugUnmap(Device dev, Kind kind, long dma, long size, DmaDirection dir, boolean executed) {
        if (debug == null) {
            return;
        }
        if (kind == Kind.RESOURCE) {
            debug.unmapResource(dev, dma, size, dir, executed);
        } else {
            debug.unmapPage(dev, dma, size, dir, executed);
        }
    }

    /** The type DMA-API debugging records a mapping of this kind as. */
    static EntryType entryType(Kind kind) {
        return switch (kind) {
            case SINGLE -> EntryType.SINGLE;
            case SG -> EntryType.SG;
            case RESOURCE -> EntryType.RESOURCE;
        };
    }

    /**
     * The unmap's mapping when the fast path did not find it, or the refusal of an unmap that
     * matches no mapping (DMA-API debugging reports it first, keeping its entries).
     */
    private Mapping slowTake(String fn, Device dev, long dma, long size, DmaDirection dir, Kind kind) {
        String call = Misuse.call(fn, dma, size, dir.kernelName());
        if (dma == DmaOps.DMA_MAPPING_ERROR) {
            debugUnmap(dev, kind, dma, size, dir, false);
            throw misuse.invalidAddress(dev, call);
        }
        Mapping[] at = dev.mappingsAt(dma);
        Mapping m = bestFit(at, size, kind);
        if (m == null) {
            Mapping gone = dev.revokedAt(dma, size, false);
            if (gone != null) {
                throw refuse(revokedMessage(dev, gone, "unmap"));
            }
            debugUnmap(dev, kind, dma, size, dir, false);
            throw at.length == 0 ? misuse.notMapped(dev, call, dma, size)
                : misuse.noneMatches(dev, call, dma, at.length, size, api.typeName(entryType(kind)));
        }
        if (m.kind != kind) {
            debugUnmap(dev, kind, dma, size, dir, false);
            throw misuse.wrongFunction(dev, call, dma, api.typeName(entryType(m.kind)), api.typeName(entryType(kind)));
        }
        if (m.size != size) {
            debugUnmap(dev, kind, dma, size, dir, false);
            throw misuse.differentSize(dev, call, dma, m.size, size);
        }
        if (!dev.removeMapping(m)) {
            debugUnmap(dev, kind, dma, size, dir, false);
            throw misuse.notMapped(dev, call, dma, size);
        }
        return m;
    }

    /**
     * DMA-API debug's {@code __hash_bucket_find}: among the mappings at one address, one that
     * matches size and type (and the single candidate when there is only one); null when several
     * match equally badly.
     */
    private static Mapping bestFit(Mapping[] at, long size, Kind kind) {
        if (at.length == 1) {
            return at[0];
        }
        for (Mapping m : at) {
            if (m.size == size && m.kind == kind) {
                return m;
            }
        }
        return null;
    }

    /** {@code dma_unmap_sg_attrs} with the nents of the map call: DMA-API debugging first, then the ops. */
    void unmapSg(Device dev, SgTable sg, int nents, DmaDirection dir, long attrs) {
        checkDirection("dma_unmap_sg_attrs", dev, dir);
        Mapping m = sgMapping(dev, sg);
        if (m == null) {
            Mapping gone = dev.revokedAt(sg.dmaAddress(0), 1, false);
            if (gone != null) {
                throw refuse(revokedMessage(dev, gone, "dma_unmap_sg"));
            }
        }
        boolean matches = m != null && nents == m.sgCallEnts();
        if (debug != null) {
            debug.unmapSg(dev, sg, nents, dir, matches);
        }
        String call = Misuse.call("dma_unmap_sg_attrs", "sg", nents, dir.kernelName());
        if (m == null) {
            throw misuse.notMapped(dev, call, sg.dmaAddress(0), sg.dmaLength(0));
        }
        if (!matches) {
            throw misuse.differentEntryCount(dev, call, m.sgCallEnts(), nents);
        }
        if (!dev.removeMapping(m)) {
            throw misuse.notMapped(dev, call, sg.dmaAddress(0), sg.dmaLength(0));
        }
        try {
            m.ops.unmapSg(m, nents, dir, attrs);
        } finally {
            m.releaseHoldings();
        }
    }

    /** The live mapping of this very list (registered under its first segment), or null. */
    private static Mapping sgMapping(Device dev, SgTable sg) {
        if (sg.dmaAddress(0) == DmaOps.DMA_MAPPING_ERROR && sg.dmaLength(0) == 0) {
            return null;
        }
        for (Mapping m : dev.mappingsAt(sg.dmaAddress(0))) {
            if (m.kind == Kind.SG && m.sg() == sg) {
                return m;
            }
        }
        return null;
    }

    // ---- sync ----

    /**
     * {@code dma_sync_single_for_cpu/device}: to the ops of the mapping that holds the range (the
     * device's current ops for an address in no mapping: the kernel syncs it anyway).
     */
    void syncSingle(String fn, Device dev, DmaAddr handle, long size, DmaDirection dir, boolean forCpu) {
        checkDirection(fn, dev, dir);
        long dma = handle.value();
        Mapping m = dev.mappingContaining(dma, size);
        if (m == null) {
            Mapping gone = dev.revokedAt(dma, size, true);
            if (gone != null) {
                throw refuse(revokedMessage(dev, gone, fn));
            }
        }
        DmaOps ops = m != null ? m.ops : api.mapOps(dev);
        if (forCpu) {
            ops.syncSingleForCpu(m, dev, dma, size, dir);
        } else {
            ops.syncSingleForDevice(m, dev, dma, size, dir);
        }
        if (debug != null) {
            debug.syncSingle(dev, dma, size, dir, forCpu);
        }
    }

    /** {@code dma_sync_sg_for_cpu/device} with the map's nents. */
    void syncSg(String fn, Device dev, SgTable sg, int nents, DmaDirection dir, boolean forCpu) {
        checkDirection(fn, dev, dir);
        if (nents < 0 || nents > sg.origNents()) {
            throw new IllegalArgumentException(fn + "(" + dev.name() + "): nents " + nents + " (expected: 0.."
                + sg.origNents() + ", the entries of the list)");
        }
        Mapping m = sgMapping(dev, sg);
        if (m == null) {
            Mapping gone = dev.revokedAt(sg.dmaAddress(0), 1, false);
            if (gone != null) {
                throw refuse(revokedMessage(dev, gone, fn));
            }
            // A list dma.core never mapped: the device's ops sync its entries as they stand.
            m = new Mapping(dev, Kind.SG, sg.phys(0), sg.totalLength(nents), dir, 0, api.mapOps(dev), sg, nents);
            m.setSgMappedEnts(nents);
        }
        if (forCpu) {
            m.ops.syncSgForCpu(m, nents, dir);
        } else {
            m.ops.syncSgForDevice(m, nents, dir);
        }
        if (debug != null) {
            debug.syncSg(dev, sg, nents, dir, forCpu);
        }
    }

    /** {@code dma_need_sync}: the mapping's ops answer (the device's current ops for an unknown address). */
    boolean needSync(Device dev, DmaAddr handle) {
        Mapping m = dev.mappingContaining(handle.value(), 1);
        DmaOps ops = m != null ? m.ops : api.mapOps(dev);
        return ops.needSync(dev, handle.value());
    }

    // ---- refusals ----

    private static String revokedMessage(Device dev, Mapping m, String fn) {
        return "dmasim: " + dev.driverString() + " " + dev.name() + ": " + fn + " of " + m + " refused: the mapping"
            + " was revoked when " + m.revokedBy() + " was forced out (its memory went back; nothing was done)";
    }

    private IllegalArgumentException refuse(String message) {
        api.report(message);
        return new IllegalArgumentException(message);
    }
}
