package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DmaRanges;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Page;

/**
 * Makes devices the way the driver core and {@code of_dma_configure} do (drivers/of/platform.c,
 * device.c, of_reserved_mem.c, kernel/dma/coherent.c, 6.1):
 * <ul>
 * <li>{@code of_platform_default_populate}: every available child of the root with a
 *     {@code compatible}, and the children of buses matching {@code simple-bus},
 *     {@code simple-mfd}, {@code isa} or {@code arm,amba-bus}; {@code arm,primecell} nodes land on
 *     the amba bus. Nodes the kernel claims before populate runs (interrupt controllers,
 *     fixed clocks: OF_POPULATED by their early init) get no device.</li>
 * <li>Names by {@code of_device_make_bus_id}: "&lt;translated reg address&gt;.&lt;node name&gt;", or
 *     the node's full name joined with its ancestors' by ':' up to the first one with a
 *     translatable reg.</li>
 * <li>Masks: 32-bit coherent mask, dma_mask aliasing it (OF devices); both ANDed with the bus
 *     window ({@code DMA_BIT_MASK(ilog2(end) + 1)}); bus_dma_limit and the range map only when
 *     dma-ranges exist; coherence from the nearest {@code dma-coherent}/{@code dma-noncoherent}
 *     up the tree, else the arch default.</li>
 * <li>{@code memory-region}: a CMA area becomes {@code dev->cma_area}; a coherent pool is
 *     memremapped write-combine on first use (which refuses System RAM, so only no-map regions
 *     work) and becomes {@code dev->dma_mem}; success prints "assigned reserved memory node".</li>
 * </ul>
 */
final class DeviceFactory {
    private static final List<String> BUS_MATCHES = List.of("simple-bus", "simple-mfd", "isa", "arm,amba-bus");
    private static final long OF_BAD_ADDR = -1L;

    private final DmaEnv env;
    private final List<ReservedMem> reservedMem;
    /** rmem->priv of coherent pools: one mapping shared by every device naming the region. */
    private final java.util.Map<String, DeviceCoherentMem> poolsByRegion = new java.util.HashMap<>();

    DeviceFactory(DmaEnv env, List<ReservedMem> reservedMem) {
        this.env = env;
        this.reservedMem = List.copyOf(reservedMem);
    }

    /** x86 has no ARCH_HAS_SYNC_DMA_*: dev_is_dma_coherent() is constantly true there. */
    private boolean alwaysCoherent() {
        return env.arch().defaultCoherent() && !env.arch().directRemap();
    }

    // ---- programmatic devices ----

    Device create(DeviceSpec spec) {
        List<ReservedMem> regions = new ArrayList<>();
        for (String r : spec.memoryRegions()) {
            regions.add(reservedMem.stream().filter(m -> m.name().equals(r) || m.node().baseName().equals(r))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("device " + spec.name()
                    + ": memory-region " + r + " is not a /reserved-memory node of this platform (expected one of "
                    + reservedMem.stream().map(ReservedMem::name).toList() + ")")));
        }
        // platform_device_alloc gives a separate platform_dma_mask; PCI has its own dma_mask too.
        Device dev = configure(spec.name(), spec.bus(), spec.bus() == DmaDevice.Bus.PCI ? "pci" : "platform",
            spec.dmaRanges(), !spec.dmaRanges().isEmpty(), alwaysCoherent() || spec.coherent(), List.of(), null, false);
        for (ReservedMem r : regions) {
            attach(dev, r);
        }
        return dev;
    }

    // ---- devices from the device tree ----

    List<Device> populate(DeviceTree dt) {
        List<Device> out = new ArrayList<>();
        for (DtNode child : dt.root().children()) {
            busCreate(dt, child, out);
        }
        return out;
    }

    private void busCreate(DeviceTree dt, DtNode node, List<Device> out) {
        if (!node.has("compatible") || !node.isAvailable() || claimedEarly(node)) {
            return;
        }
        boolean amba = node.isCompatible("arm,primecell");
        out.add(ofDevice(dt, node, amba ? "amba" : "platform"));
        if (amba || BUS_MATCHES.stream().noneMatch(node::isCompatible)) {
            return;
        }
        for (DtNode c : node.children()) {
            busCreate(dt, c, out);
        }
    }

    /** Nodes whose early initialisation (IRQCHIP_DECLARE, CLK_OF_DECLARE) marks them OF_POPULATED. */
    private static boolean claimedEarly(DtNode node) {
        return node.has("interrupt-controller") || node.isCompatible("fixed-clock");
    }

    private Device ofDevice(DeviceTree dt, DtNode node, String busName) {
        List<DmaRange> ranges = List.of();
        boolean haveRanges = false;
        for (DtNode n = node; n != null; n = n.parent()) {
            Optional<DtProperty> p = n.property("dma-ranges");
            if (p.isPresent() && !p.get().isEmpty()) {
                ranges = DmaRanges.of(n);
                haveRanges = !ranges.isEmpty();
                break;
            }
            if (p.isEmpty() && n != node) {
                break;
            }
        }
        boolean coherent = alwaysCoherent() || ofDmaIsCoherent(node);
        List<Long> regions = new ArrayList<>();
        node.property("memory-region").ifPresent(p -> {
            for (int i = 0; i < p.cellCount(); i++) {
                regions.add(p.cell(i));
            }
        });
        Device dev = configure(makeBusId(node), DmaDevice.Bus.PLATFORM, busName, ranges, haveRanges, coherent, regions,
            node.path(), true);
        for (long phandle : regions) {
            Optional<DtNode> target = dt.byPhandle(phandle);
            Optional<ReservedMem> rmem = target.flatMap(t -> reservedMem.stream().filter(m -> m.node() == t).findFirst());
            rmem.ifPresent(r -> attach(dev, r));
        }
        return dev;
    }

    private boolean ofDmaIsCoherent(DtNode node) {
        for (DtNode n = node; n != null; n = n.parent()) {
            if (n.has("dma-coherent")) {
                return true;
            }
            if (n.has("dma-noncoherent")) {
                return false;
            }
        }
        return env.arch().defaultCoherent();
    }

    /** {@code of_dma_configure_id}'s mask and limit arithmetic. */
    private Device configure(String name, DmaDevice.Bus bus, String busName, List<DmaRange> ranges, boolean haveRanges,
        boolean coherent, List<Long> regions, String ofPath, boolean aliasMask) {
        long coherentMask = DmaAddress.bitMask(32);
        long dmaStart = 0;
        long size;
        if (haveRanges) {
            dmaStart = -1L;
            long dmaEnd = 0;
            for (DmaRange r : ranges) {
                if (Long.compareUnsigned(r.dmaStart(), dmaStart) < 0) {
                    dmaStart = r.dmaStart();
                }
                if (Long.compareUnsigned(r.dmaStart() + r.size(), dmaEnd) > 0) {
                    dmaEnd = r.dmaStart() + r.size();
                }
            }
            size = dmaEnd - dmaStart;
            if ((size & 1) != 0) {
                env.log().warn(busName + " " + name + ": " + String.format("Invalid size 0x%x for dma-range(s)", size));
                size++;
            }
        } else {
            size = Math.max(coherentMask, coherentMask + 1);
        }
        long end = dmaStart + size - 1;
        int ilog2 = 63 - Long.numberOfLeadingZeros(end);
        long mask = DmaAddress.bitMask(ilog2 + 1);
        coherentMask &= mask;
        long dmaMask = DmaAddress.bitMask(32) & mask;
        return new Device(name, bus, coherent, haveRanges ? ranges : List.of(), regions, haveRanges ? end : 0, dmaMask,
            coherentMask, ofPath, busName, aliasMask);
    }

    /** {@code of_device_make_bus_id}. */
    static String makeBusId(DtNode node) {
        String name = null;
        for (DtNode n = node; n.parent() != null; n = n.parent()) {
            List<long[]> reg = n.reg();
            long addr = reg.isEmpty() ? OF_BAD_ADDR : translateAddress(n, reg.get(0)[0]);
            if (addr != OF_BAD_ADDR) {
                String head = Long.toHexString(addr) + "." + n.baseName();
                return name == null ? head : head + ":" + name;
            }
            name = name == null ? n.name() : n.name() + ":" + name;
        }
        return name;
    }

    /** {@code of_translate_address} through the parents' {@code ranges}. */
    private static long translateAddress(DtNode node, long addr) {
        long a = addr;
        for (DtNode bus = node.parent(); bus != null && bus.parent() != null; bus = bus.parent()) {
            Optional<DtProperty> p = bus.property("ranges");
            if (p.isEmpty()) {
                return OF_BAD_ADDR;
            }
            if (p.get().isEmpty()) {
                continue;
            }
            long mapped = OF_BAD_ADDR;
            for (long[] e : DtNode.entries(p.get(), bus.addressCells(), bus.parent().addressCells(), bus.sizeCells())) {
                if (Long.compareUnsigned(a, e[0]) >= 0 && Long.compareUnsigned(a - e[0], e[2]) < 0) {
                    mapped = e[1] + (a - e[0]);
                    break;
                }
            }
            if (mapped == OF_BAD_ADDR) {
                return OF_BAD_ADDR;
            }
            a = mapped;
        }
        return a;
    }

    // ---- reserved memory ----

    /** {@code of_reserved_mem_device_init_by_idx} for one region. */
    private void attach(Device dev, ReservedMem rmem) {
        Object owner = rmem.owner().orElse(null);
        if (owner instanceof CmaArea cma) {
            dev.cmaArea = cma;
        } else if (owner != null && rmem.compatible().orElse("").equals("shared-dma-pool")) {
            DeviceCoherentMem mem;
            synchronized (poolsByRegion) {
                mem = poolsByRegion.get(rmem.name());
                if (mem == null) {
                    long deviceBase = DmaAddress.physToDma(dev, rmem.base());
                    mem = initCoherentMemory(rmem.name(), rmem.base(), deviceBase, rmem.size()).orElse(null);
                    if (mem == null) {
                        return;
                    }
                    poolsByRegion.put(rmem.name(), mem);
                }
            }
            dev.dmaMem = mem;
        } else {
            return;
        }
        env.log().info(dev.driverString() + " " + dev.name() + ": assigned reserved memory node " + rmem.name());
    }

    /**
     * {@code dma_init_coherent_memory}: memremap(MEMREMAP_WC) of the region. memremap refuses to
     * alias System RAM with a non-cacheable mapping, so the region must be no-map memory.
     */
    Optional<DeviceCoherentMem> initCoherentMemory(String name, long phys, long deviceBase, long size) {
        if ((phys & (Page.PAGE_SIZE - 1)) != 0 || (size & (Page.PAGE_SIZE - 1)) != 0) {
            env.log().dmasim(String.format("dma_init_coherent_memory(%#x, %#x): dmasim simulates page aligned regions"
                + " only", phys, size));
            return Optional.empty();
        }
        if (env.intersectsSystemRam(phys, size)) {
            env.log().warn(String.format("memremap attempted on ram %s size: %#x", pa(phys), size));
            env.log().err(String.format("Reserved memory: failed to init DMA memory pool at %s, size %d MiB",
                pa(phys), size >>> 20));
            return Optional.empty();
        }
        if (!env.isNomap(phys, size)) {
            env.log().dmasim(String.format("dma_init_coherent_memory(%#x, %#x) for %s: the region is not RAM; Linux"
                + " memremaps it write-combined and serves the device's coherent allocations from it, but dmasim"
                + " simulates RAM only, so the device gets no per-device pool here and allocates from the normal"
                + " path instead", phys, size, name));
            return Optional.empty();
        }
        long cpu = env.vm().vmap(phys, size, MemAttr.NORMAL_NC, "memremap");
        return Optional.of(new DeviceCoherentMem(name, phys, deviceBase, cpu, size));
    }

    void releaseCoherentMemory(DeviceCoherentMem mem) {
        env.vm().vunmap(mem.cpuBase);
    }

    /** {@code %pa}: 0x then 16 hex digits for a 64-bit phys_addr_t. */
    private static String pa(long phys) {
        return String.format("0x%016x", phys);
    }
}
