package org.dmasim.swiotlb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Ratelimit;

/**
 * What {@code kernel/dma/swiotlb.c} keeps in file-scope and function-scope statics, which outlive
 * any one default pool, for one platform: the {@code restricted-dma-pool} regions the
 * reserved-memory scan claimed and the {@code io_tlb_mem} each gets when its first device is set
 * up ({@code rmem->priv}, shared by every device naming the region and by every swiotlb instance,
 * since the region's memory does not move), the ratelimit state of each
 * {@code dev_warn_ratelimited} call site and the flags of the {@code *_ONCE} ones (kernel-wide), and
 * the clock the ratelimits read. Kept on the boot blackboard.
 */
final class SwiotlbStatics {
    /** A claimed {@code restricted-dma-pool} region. */
    record Region(String name, long base, long size) {
    }

    private final Map<String, Region> regions = new LinkedHashMap<>();
    private final Map<String, IoTlbMem> restricted = new LinkedHashMap<>();
    private final Set<String> once = ConcurrentHashMap.newKeySet();
    /** {@code swiotlb_tbl_map_single}'s two ratelimited warnings. */
    final Ratelimit full = new Ratelimit("swiotlb_tbl_map_single");
    final Ratelimit noPool = new Ratelimit("swiotlb_tbl_map_single");
    private volatile LongSupplier clock = System::nanoTime;
    private final SwiotlbKernel kernel;

    /** The statics of a 6.1 platform (tests). */
    SwiotlbStatics() {
        this(SwiotlbKernel.of(org.dmasim.api.platform.KernelVersion.parse("6.1")));
    }

    SwiotlbStatics(SwiotlbKernel kernel) {
        this.kernel = kernel;
    }

    /** The platform's kernel's rules. */
    SwiotlbKernel kernel() {
        return kernel;
    }

    /** The platform's statics, made by the first boot step that needs them. */
    static SwiotlbStatics of(BootContext ctx) {
        return ctx.get(SwiotlbStatics.class).orElseGet(() -> {
            SwiotlbStatics s = new SwiotlbStatics(SwiotlbKernel.of(ctx.spec().kernel()));
            ctx.put(SwiotlbStatics.class, s);
            return s;
        });
    }

    LongSupplier clock() {
        return clock;
    }

    /** For tests: the time ratelimits see. */
    void clock(LongSupplier c) {
        clock = c;
    }

    /** Whether a {@code WARN_ONCE}/{@code dev_warn_once} call site fires now (true once per platform). */
    boolean once(String site) {
        return once.add(site);
    }

    synchronized void addRegion(Region r) {
        regions.put(r.name(), r);
    }

    /**
     * {@code rmem_swiotlb_device_init}: the region's pool, made the first time a device asks (one
     * area, bouncing forced, for allocations too); empty for a name that is no claimed region.
     */
    synchronized Optional<IoTlbMem> restricted(String name, PhysMemory memory, BootLog log) {
        IoTlbMem mem = restricted.get(name);
        if (mem != null) {
            return Optional.of(mem);
        }
        Region r = regions.get(name);
        if (r == null) {
            return Optional.empty();
        }
        mem = new IoTlbMem(r.name(), r.base(), r.size() >>> IoTlbMem.IO_TLB_SHIFT, 1, true, memory, log, this);
        restricted.put(name, mem);
        return Optional.of(mem);
    }

    synchronized List<IoTlbMem> restrictedPools() {
        return new ArrayList<>(restricted.values());
    }
}
