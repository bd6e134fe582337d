package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Page;

/**
 * Makes devices the way the driver core and {@code of_dma_configure} do (drivers/of/platform.c,
 * device.c, of_reserved_mem.c, drivers/base/platform.c, drivers/pci/probe.c and pci-driver.c,
 * kernel/dma/coherent.c, 6.1):
 * <ul>
 * <li>{@code of_platform_default_populate_init}: reserved-memory nodes that are devices, the
 *     children of {@code /firmware}, then every available child of the root with a
 *     {@code compatible}, and the children of buses matching {@code simple-bus},
 *     {@code simple-mfd}, {@code isa} or {@code arm,amba-bus}; {@code arm,primecell} nodes become
 *     AMBA devices (which claim their first {@code reg} region, so an overlapping one fails with
 *     -EBUSY). Nodes the kernel claims before populate runs (interrupt controllers, fixed clocks:
 *     OF_POPULATED by their early init) get no device.</li>
 * <li>Names by {@code of_device_make_bus_id} ({@link OfBusId}). A name that is already taken
 *     fails {@code device_add} as in the kernel (see {@link SysfsNames}): that one device (and, for
 *     a bus, everything below it) is not registered, and the boot goes on.</li>
 * <li>Masks: {@code platform_device_alloc} gives platform devices their own 32-bit
 *     {@code platform_dma_mask} next to the 32-bit coherent mask, PCI devices have
 *     {@code pci_dev->dma_mask}; only AMBA devices point {@code dma_mask} at the coherent mask.
 *     Then {@code of_dma_configure} ({@link OfDmaConfigure}) narrows both to the bus window and
 *     sets coherence; a PCI device is configured from its host bridge's node, as
 *     {@code pci_dma_configure} does.</li>
 * <li>{@code memory-region}: a CMA area becomes {@code dev->cma_area}; a coherent pool is
 *     memremapped write-combine on first use (which refuses System RAM, so only no-map regions
 *     work) and becomes {@code dev->dma_mem}; a {@code restricted-dma-pool} (claimed by swiotlb)
 *     becomes the device's {@code dma_io_tlb_mem} ({@code of_dma_set_restricted_buffer}: the first
 *     one named), through which it then bounces every mapping; success prints "assigned reserved
 *     memory node".</li>
 * </ul>
 */
final class DeviceFactory {
    private static final List<String> BUS_MATCHES = List.of("simple-bus", "simple-mfd", "isa", "arm,amba-bus");
    /** {@code of_skipped_node_table}. */
    private static final List<String> SKIPPED = List.of("operating-points-v2");
    /** {@code reserved_mem_matches}: reserved-memory nodes that get a platform device. */
    private static final List<String> RESERVED_MEM_DEVICES = List.of("qcom,rmtfs-mem", "qcom,cmd-db", "ramoops");

    private final DmaEnv env;
    private final List<ReservedMem> reservedMem;
    private final Optional<DeviceTree> dt;
    private final OfDmaConfigure of;
    private final SysfsNames sysfs = new SysfsNames();
    private final PciRids pciRids = new PciRids();
    /** The first {@code reg} region each AMBA device claimed ({@code request_resource}). */
    private final List<long[]> ambaResources = new ArrayList<>();
    /** OF_POPULATED: nodes that have a device. */
    private final Set<DtNode> populated = Collections.newSetFromMap(new IdentityHashMap<>());
    /** PCI host controllers that became platform devices: device name to node. */
    private final Map<String, DtNode> hostBridges = new LinkedHashMap<>();
    /** rmem->priv of coherent pools: one mapping shared by every device naming the region. */
    private final Map<String, DeviceCoherentMem> poolsByRegion = new HashMap<>();

    DeviceFactory(DmaEnv env, List<ReservedMem> reservedMem, Optional<DeviceTree> dt) {
        this.env = env;
        this.reservedMem = List.copyOf(reservedMem);
        this.dt = dt;
        this.of = new OfDmaConfigure(env.log(), env.arch().defaultCoherent());
    }

    /** x86 has no ARCH_HAS_SYNC_DMA_*: dev_is_dma_coherent() is constantly true there. */
    private boolean alwaysCoherent() {
        return env.arch().defaultCoherent() && !env.arch().directRemap();
    }

    // ---- programmatic devices ----

    /** Gives back what {@link #create} took for a device that was not registered after all. */
    void discard(Device dev) {
        if (dev.bus() == DmaDevice.Bus.PCI) {
            pciRids.release(dev.pciRid);
        }
    }

    Device create(DeviceSpec spec) {
        List<ReservedMem> regions = new ArrayList<>();
        for (String r : spec.memoryRegions()) {
            regions.add(reservedMem.stream().filter(m -> m.name().equals(r) || m.node().baseName().equals(r))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("device " + spec.name()
                    + ": memory-region " + r + " is not a /reserved-memory node of this platform (expected one of "
                    + reservedMem.stream().map(ReservedMem::name).toList() + ")")));
        }
        long mask32 = DmaAddress.bitMask(32);
        String busName = spec.bus() == DmaDevice.Bus.PCI ? "pci" : "platform";
        String label = busName + " " + spec.name();
        Optional<DtNode> bridge = spec.bus() == DmaDevice.Bus.PCI ? hostBridge(spec) : Optional.empty();
        OfDmaConfigure.DmaConfig cfg;
        if (bridge.isPresent()) {
            DtNode b = bridge.get();
            if (!spec.dmaRanges().isEmpty()) {
                throw new IllegalArgumentException("device " + spec.name() + ": dma-ranges given, but a PCI device's"
                    + " bus window comes from its host bridge " + b.path() + " (pci_dma_configure); expected none");
            }
            if (spec.coherent() && !of.isCoherent(b) && !alwaysCoherent()) {
                throw new IllegalArgumentException("device " + spec.name() + ": coherent requested, but its host"
                    + " bridge " + b.path() + " is not dma-coherent and pci_dma_configure takes coherence from it");
            }
            cfg = of.configure(label, b, false, mask32, mask32);
        } else {
            cfg = of.apply(label, spec.dmaRanges(), spec.coherent(), mask32, mask32);
        }
        cfg = alwaysCoherent() ? withCoherent(cfg) : cfg;
        // platform_device_alloc and pci_device_add both give dev->dma_mask storage of its own.
        int rid = spec.bus() == DmaDevice.Bus.PCI ? pciRids.assign(spec.name()) : 0;
        Device dev = new Device(spec.name(), spec.bus(), busName, cfg, List.of(), null,
            bridge.map(DtNode::path).orElse(null), false);
        dev.pciRid = rid;
        for (ReservedMem r : regions) {
            attach(dev, r);
        }
        return dev;
    }

    private static OfDmaConfigure.DmaConfig withCoherent(OfDmaConfigure.DmaConfig c) {
        return new OfDmaConfigure.DmaConfig(true, c.ranges(), c.busDmaLimit(), c.dmaMask(), c.coherentMask());
    }

    /**
     * {@code pci_get_host_bridge_device(dev)->parent->of_node}: the spec's choice, else the first
     * PCI host controller the tree populated.
     */
    private Optional<DtNode> hostBridge(DeviceSpec spec) {
        String want = spec.hostBridge();
        if (want.isEmpty()) {
            return hostBridges.values().stream().findFirst();
        }
        for (Map.Entry<String, DtNode> e : hostBridges.entrySet()) {
            if (e.getKey().equals(want) || e.getValue().path().equals(want)) {
                return Optional.of(e.getValue());
            }
        }
        throw new IllegalArgumentException("device " + spec.name() + ": host bridge " + want + " is not a PCI host"
            + " controller of this platform (expected one of " + hostBridges.keySet() + ")");
    }

    // ---- devices from the device tree ----

    /**
     * {@code of_platform_default_populate_init}: first the reserved-memory nodes that are devices
     * of their own ({@code ramoops}, {@code qcom,rmtfs-mem}, {@code qcom,cmd-db}), then the
     * children of {@code /firmware} (not as buses), then every child of the root.
     */
    List<Device> populate() {
        List<Device> out = new ArrayList<>();
        dt.ifPresent(tree -> {
            for (DtNode n : tree.all()) {
                if (RESERVED_MEM_DEVICES.stream().anyMatch(n::isCompatible)) {
                    deviceCreate(n, SysfsNames.PLATFORM_BUS_DIR, out);
                }
            }
            tree.find("/firmware").ifPresent(fw -> fw.children().forEach(c -> busCreate(c, SysfsNames.PLATFORM_BUS_DIR,
                false, out)));
            for (DtNode child : tree.root().children()) {
                busCreate(child, SysfsNames.PLATFORM_BUS_DIR, true, out);
            }
        });
        return out;
    }

    /**
     * {@code of_platform_bus_create} (strict: a {@code compatible} is required): the node's device,
     * then, when {@code busMatch} and the node is a bus, its children.
     */
    private void busCreate(DtNode node, String parentDir, boolean busMatch, List<Device> out) {
        if (!node.has("compatible") || SKIPPED.stream().anyMatch(node::isCompatible)) {
            return;
        }
        if (node.isCompatible("arm,primecell")) {
            ambaCreate(node, parentDir).ifPresent(out::add);
            return;
        }
        Optional<Device> dev = deviceCreate(node, parentDir, out);
        if (dev.isEmpty() || !busMatch || BUS_MATCHES.stream().noneMatch(node::isCompatible)) {
            return;
        }
        for (DtNode c : node.children()) {
            busCreate(c, parentDir + "/" + dev.get().name(), true, out);
        }
    }

    /**
     * {@code of_platform_device_create_pdata}: nothing for an unavailable node or one already
     * populated (OF_POPULATED: by an early driver, or earlier in this walk).
     */
    private Optional<Device> deviceCreate(DtNode node, String parentDir, List<Device> out) {
        if (!node.isAvailable() || claimedEarly(node) || populated.contains(node)) {
            return Optional.empty();
        }
        String name = OfBusId.make(node);
        if (refusedAsDuplicate(node, parentDir, "platform", name)) {
            return Optional.empty();
        }
        Device dev = ofDevice(node, name, DmaDevice.Bus.PLATFORM, "platform", false);
        populated.add(node);
        out.add(dev);
        if (OfDmaConfigure.isPciBus(node)) {
            hostBridges.put(name, node);
        }
        return Optional.of(dev);
    }

    /**
     * The PCI functions the device tree describes below the host bridges the walk created: child
     * nodes whose {@code reg} starts with a PCI address ({@code phys.hi}: bus in bits 23:16, device
     * in 15:11, function in 10:8, the IEEE 1275 PCI binding), as specs named by their address
     * ({@code 0000:00:02.0}). A real kernel finds them by enumerating config space; a simulated
     * board has none, so its tree lists what QEMU's {@code -device} options would have plugged in.
     */
    List<DeviceSpec> pciFunctions() {
        List<DeviceSpec> out = new ArrayList<>();
        for (DtNode bridge : hostBridges.values()) {
            for (DtNode c : bridge.children()) {
                Optional<DtProperty> reg = c.property("reg");
                if (!c.isAvailable() || reg.isEmpty() || reg.get().cellCount() < 3) {
                    continue;
                }
                long hi = reg.get().cell(0);
                String bdf = String.format("0000:%02x:%02x.%d", (hi >>> 16) & 0xff, (hi >>> 11) & 0x1f, (hi >>> 8) & 7);
                out.add(new DeviceSpec(bdf, DmaDevice.Bus.PCI, false, List.of(), List.of(), bridge.path()));
            }
        }
        return out;
    }

    /** {@code of_amba_device_create}: the first reg region is claimed before the device is added. */
    private Optional<Device> ambaCreate(DtNode node, String parentDir) {
        if (!node.isAvailable() || claimedEarly(node) || populated.contains(node)) {
            return Optional.empty();
        }
        long start = OfBusId.translateReg(node);
        if (start == OfBusId.OF_BAD_ADDR) {
            env.log().err("OF: amba: of_address_to_resource() failed (" + -Errno.EINVAL + ") for " + node.path());
            return Optional.empty();
        }
        long last = start + Math.max(OfBusId.firstRegSize(node), 1) - 1;
        for (long[] r : ambaResources) {
            if (Long.compareUnsigned(start, r[1]) <= 0 && Long.compareUnsigned(r[0], last) <= 0) {
                env.log().err("OF: amba_device_add() failed (" + -Errno.EBUSY + ") for " + node.path());
                return Optional.empty();
            }
        }
        String name = OfBusId.make(node);
        if (refusedAsDuplicate(node, parentDir, "amba", name)) {
            env.log().err("OF: amba_device_add() failed (" + -Errno.EEXIST + ") for " + node.path());
            return Optional.empty();
        }
        ambaResources.add(new long[] {start, last});
        populated.add(node);
        return Optional.of(ofDevice(node, name, DmaDevice.Bus.PLATFORM, "amba", true));
    }

    /** {@code device_add} failing on a name sysfs already has: the kernel's lines, and no device. */
    private boolean refusedAsDuplicate(DtNode node, String parentDir, String bus, String name) {
        Optional<SysfsNames.Duplicate> dup = sysfs.add(parentDir, bus, name);
        if (dup.isEmpty()) {
            return false;
        }
        env.log().warn(dup.get().warning());
        dup.get().kobjectError(name).ifPresent(env.log()::err);
        env.log().dmasim(node.path() + ": no device: its name " + name + " is taken (the kernel's stack dump after"
            + " the sysfs line is not shown)");
        return true;
    }

    /** Nodes whose early initialisation (IRQCHIP_DECLARE, CLK_OF_DECLARE) marks them OF_POPULATED. */
    private static boolean claimedEarly(DtNode node) {
        return node.has("interrupt-controller") || node.isCompatible("fixed-clock");
    }

    private Device ofDevice(DtNode node, String name, DmaDevice.Bus bus, String busName, boolean singleMask) {
        long mask32 = DmaAddress.bitMask(32);
        OfDmaConfigure.DmaConfig cfg = of.configure(busName + " " + name, node, true, mask32, mask32);
        cfg = alwaysCoherent() ? withCoherent(cfg) : cfg;
        List<Long> regions = new ArrayList<>();
        node.property("memory-region").ifPresent(p -> {
            for (int i = 0; i < p.cellCount(); i++) {
                regions.add(p.cell(i));
            }
        });
        Device dev = new Device(name, bus, busName, cfg, regions, node.path(), null, singleMask);
        node.property("iommus").ifPresent(p -> {
            long[] cells = new long[p.cellCount()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = p.cell(i);
            }
            dev.iommus = cells;
        });
        for (long phandle : regions) {
            Optional<DtNode> target = dt.flatMap(t -> t.byPhandle(phandle));
            Optional<ReservedMem> rmem = target.flatMap(t -> reservedMem.stream().filter(m -> m.node() == t).findFirst());
            rmem.ifPresent(r -> attach(dev, r));
        }
        return dev;
    }

    // ---- reserved memory ----

    /** The compatible of the reserved-memory regions swiotlb claims as restricted DMA pools. */
    static final String RESTRICTED_DMA_POOL = "restricted-dma-pool";

    /** {@code of_reserved_mem_device_init_by_idx} for one region. */
    private void attach(Device dev, ReservedMem rmem) {
        Object owner = rmem.owner().orElse(null);
        if (owner instanceof CmaArea cma) {
            dev.cmaAreaName = cma.name();
        } else if (owner != null && rmem.compatible().orElse("").equals(RESTRICTED_DMA_POOL)) {
            // of_dma_set_restricted_buffer: the first restricted pool the device names is its dma_io_tlb_mem.
            if (dev.restrictedPool != null) {
                return;
            }
            dev.restrictedPool = rmem.name();
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
     * alias System RAM with a non-cacheable mapping, so the region must be no-map memory. A region
     * of no bytes (a dynamic reserved-memory node of {@code size = <0 0>}, which 6.1 "allocates"
     * and announces as a pool of 0 MiB) is -EINVAL without a word, as the kernel's first test.
     */
    Optional<DeviceCoherentMem> initCoherentMemory(String name, long phys, long deviceBase, long size) {
        if (size == 0) {
            return Optional.empty();
        }
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
