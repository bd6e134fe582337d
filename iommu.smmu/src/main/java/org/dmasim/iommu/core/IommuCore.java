package org.dmasim.iommu.core;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.iommu.IommuDefaults;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.iommu.IommuGroupInfo;
import org.dmasim.api.platform.BootLog;
import org.dmasim.iommu.dma.DmaDomain;
import org.dmasim.iommu.dma.DmaIommuKernel;
import org.dmasim.iommu.dma.IommuClock;
import org.dmasim.iommu.dma.IommuDevices;
import org.dmasim.iommu.dma.IommuDmaOps;
import org.dmasim.iommu.iova.IovaRange;

/**
 * The IOMMU core of one platform ({@code drivers/iommu/iommu.c}, Linux 6.1): devices probed by
 * the units' drivers, put in groups, attached to their group's default domain, with dma-iommu as
 * their DMA ops when that domain translates.
 *
 * <p>Groups: every device a unit takes gets a group of its own (SMMUv3's {@code device_group}:
 * {@code generic_device_group} for platform devices, {@code pci_device_group} for PCI functions,
 * which on a root bus of single-function devices without DMA aliases is also one group each);
 * group numbers are the lowest free from 0 in probe order ({@code ida_alloc}). The default domain
 * type is the boot's ({@link IommuDefaults}: Kconfig, {@code iommu.passthrough=},
 * {@code iommu.strict=}); an identity domain leaves the device on dma-direct, a DMA or DMA-FQ one
 * gives it {@code iommu_dma_ops}.
 *
 * <p>Domains are backend instances: every mapping and buffer holds the domain that made it. A
 * group whose type is changed ({@link #writeGroupType}) gets a new domain for new work while the
 * old one drains and is freed with its last mapping; when the whole IOMMU backend stops, new work
 * goes to dma-direct (dma.core's rule for draining ops) and each domain drains the same way.
 */
public final class IommuCore implements Iommu, IommuDevices {
    /** A group: one device, its master on the unit, its current default domain. */
    private static final class Group {
        final int id;
        final DmaDevice dev;
        final IommuDriver driver;
        final IommuDriver.Master master;
        volatile Domain domain;
        /** Domains the group left while they still held mappings: they drain, the device still reaches them. */
        final List<Domain> left = new java.util.concurrent.CopyOnWriteArrayList<>();

        Group(int id, DmaDevice dev, IommuDriver driver, IommuDriver.Master master) {
            this.id = id;
            this.dev = dev;
            this.driver = driver;
            this.master = master;
        }
    }

    /** A domain, its dma-iommu cookie (null for identity), its life as a backend instance. */
    private record Domain(int id, int group, IommuDriver.DriverDomain driverDomain, DmaDomain dma,
        BackendLifecycle life) {
        DomainType type() {
            return driverDomain.type();
        }
    }

    private final List<IommuDriver> drivers;
    private final DmaApi api;
    private final IommuDefaults defaults;
    private final boolean forceDac;
    private final int cpus;
    private final int gfpAtomic;
    private final DmaIommuKernel kernel;
    private final IommuClock clock = new IommuClock();
    private final BootLog log;
    private final Function<DmaDevice, List<long[]>> reservedRegions;
    private final Map<DmaDevice, Group> byDevice = new ConcurrentHashMap<>();
    private final Map<Integer, Group> groups = new TreeMap<>();
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    /**
     * The same domains by id, for dma-iommu's look-up on every unmap: a copy-on-write array (ids
     * are small and few), read without locks or boxing.
     */
    private volatile Domain[] byId = new Domain[8];
    private final BitSet groupIds = new BitSet();
    private final List<String> faultLog = new ArrayList<>();
    private int nextDomain = 1;
    private volatile IommuDmaOps ops;
    private volatile BackendLifecycle owner;
    private AutoCloseable listening;

    /**
     * @param reservedRegions the IOVA ranges a device's DMA domain must keep out ({@code
     *     iova_reserve_iommu_regions}: a PCI device's host bridge windows and dma-ranges gaps)
     */
    public IommuCore(List<IommuDriver> drivers, DmaApi api, IommuDefaults defaults, boolean forceDac, int cpus,
        int gfpAtomic, DmaIommuKernel kernel, BootLog log, Function<DmaDevice, List<long[]>> reservedRegions) {
        this.gfpAtomic = gfpAtomic;
        this.kernel = kernel;
        this.drivers = List.copyOf(drivers);
        this.api = api;
        this.defaults = defaults;
        this.forceDac = forceDac;
        this.cpus = cpus;
        this.log = log;
        this.reservedRegions = reservedRegions;
    }

    /**
     * {@code iommu_device_register} of every unit: probes the devices that exist, then each device
     * created later ({@code BUS_NOTIFY_ADD_DEVICE}).
     */
    public void start(IommuDmaOps dmaOps) {
        this.ops = dmaOps;
        for (DmaDevice dev : api.devices()) {
            probe(dev);
        }
        listening = api.onDeviceAdded(this::probe);
    }

    /** The clock of the flush queues. */
    public IommuClock clock() {
        return clock;
    }

    /**
     * The backend instance this core serves as: once it stops taking new work (the bundle was
     * stopped or replaced), devices created later are left to the next instance, or dma-direct.
     * Every domain is a part of it ({@link BackendLifecycle#attachTo}): a mapping's holding of its
     * domain holds the IOMMU too, so the IOMMU drains when its domains' mappings and buffers do.
     */
    public synchronized void attach(BackendLifecycle instance) {
        this.owner = instance;
        for (Domain d : domains.values()) {
            d.life().attachTo(instance);
        }
    }

    /** {@code iommu_probe_device}: group, default domain, attach, DMA ops. */
    private synchronized void probe(DmaDevice dev) {
        BackendInstance o = owner;
        if (byDevice.containsKey(dev) || (o != null && o.state() != BackendState.ACTIVE)) {
            return;
        }
        for (IommuDriver driver : drivers) {
            IommuDriver.Master master = driver.probeDevice(dev);
            if (master == null) {
                continue;
            }
            int id = groupIds.nextClearBit(0);
            groupIds.set(id);
            Group g = new Group(id, dev, driver, master);
            groups.put(id, g);
            byDevice.put(dev, g);
            log.info(dev.driverString() + " " + dev.name() + ": Adding to iommu group " + id);
            attachDefault(g, defaults.type());
            return;
        }
    }

    /** {@code iommu_group_alloc_default_domain} + attach + {@code iommu_setup_dma_ops}. */
    private void attachDefault(Group g, DomainType type) {
        IommuDriver.DriverDomain dd = g.driver.allocDomain(type);
        int id = nextDomain++;
        BackendLifecycle life = new BackendLifecycle("iommu-domain", "iommu-domain#" + id, type.name() + " domain "
            + id + " of iommu group " + g.id, () -> freeDomain(id));
        if (owner != null) {
            life.attachTo(owner);
        }
        g.driver.attach(dd, g.master);
        DmaDomain dma = null;
        if (type != DomainType.IDENTITY) {
            dma = new DmaDomain(id, dd, reservedRegions.apply(g.dev), forceDac, cpus, clock, life, gfpAtomic, kernel,
                g.dev.driverString() + " " + g.dev.name(), log);
        }
        Domain d = new Domain(id, g.id, dd, dma, life);
        domains.put(id, d);
        index(id, d);
        g.domain = d;
        api.setDmaOps(g.dev, dma != null ? ops : null);
    }

    /** A domain that drained: its page tables, ASID and IOVAs go. */
    private void freeDomain(int id) {
        Domain d = domains.remove(id);
        index(id, null);
        if (d != null) {
            Group g = groups.get(d.group());
            if (g != null) {
                g.left.remove(d);
            }
            if (d.dma() != null) {
                long[] fq = d.dma().fqCounters();
                synchronized (this) {
                    retiredQueued += fq[0];
                    retiredFlushes += fq[1];
                }
                d.dma().destroy();
            }
            d.driverDomain().free();
        }
    }

    /**
     * The IOMMU backend drained: every device leaves its unit (its streams abort), every domain is
     * freed, the units give their memory back.
     */
    public synchronized void shutdown() {
        if (listening != null) {
            try {
                listening.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        for (Group g : groups.values()) {
            g.driver.releaseDevice(g.master);
        }
        for (Domain d : List.copyOf(domains.values())) {
            d.life().retire();
            freeDomain(d.id());
        }
        groups.clear();
        byDevice.clear();
        last = null;
        for (IommuDriver driver : drivers) {
            driver.shutdown();
        }
    }

    // ---- IommuDevices (dma-iommu's view) ----

    @Override
    public DmaDomain domain(DmaDevice dev) {
        Group g = groupOf(dev);
        if (g == null) {
            return null;
        }
        Domain d = g.domain;
        return d == null ? null : d.dma();
    }

    /** The device of the last look-up and its group: a driver maps for one device at a time. */
    private record Last(DmaDevice dev, Group group) {
    }

    private volatile Last last;

    private Group groupOf(DmaDevice dev) {
        Last l = last;
        if (l != null && l.dev() == dev) {
            return l.group();
        }
        Group g = byDevice.get(dev);
        if (g != null) {
            last = new Last(dev, g);
        }
        return g;
    }

    @Override
    public DmaDomain domainById(int id) {
        Domain[] a = byId;
        Domain d = id >= 0 && id < a.length ? a[id] : null;
        return d == null ? null : d.dma();
    }

    /** Publishes (or, with null, withdraws) a domain in {@link #byId}. */
    private synchronized void index(int id, Domain d) {
        Domain[] a = byId;
        if (id >= a.length) {
            a = java.util.Arrays.copyOf(a, Math.max(id + 1, a.length * 2));
        } else {
            a = a.clone();
        }
        a[id] = d;
        byId = a;
    }

    @Override
    public long translate(DmaDevice dev, long iova, long size, boolean write) {
        Group g = groupOf(dev);
        if (g == null) {
            return -1;
        }
        long first = translatePage(g, iova, write);
        long last = iova + Math.max(size, 1) - 1;
        long expect = first - (iova & 0xfff);
        for (long page = (iova & ~0xfffL) + 0x1000; Long.compareUnsigned(page, last) <= 0; page += 0x1000) {
            expect += 0x1000;
            long phys = translatePage(g, page, write);
            if (phys != expect) {
                throw new IllegalArgumentException(String.format("device access at 0x%x, %d bytes: the IOVA range"
                    + " is not physically contiguous at 0x%x (access it page by page, as a DMA engine's 4 KiB"
                    + " bursts do)", iova, size, page));
            }
        }
        return first;
    }

    private long translatePage(Group g, long iova, boolean write) {
        if (!g.left.isEmpty()) {
            long phys = throughLeftDomain(g, iova, write);
            if (phys != -1) {
                return phys;
            }
        }
        try {
            return g.driver.translate(g.master, iova, write);
        } finally {
            List<String> lines = g.driver.processEvents();
            if (!lines.isEmpty()) {
                synchronized (faultLog) {
                    faultLog.addAll(lines);
                }
            }
        }
    }

    /**
     * A device whose group changed domains while it still held mappings of the old one: the hardware
     * now translates its stream through the new domain, but the drain rule keeps what the old one
     * mapped reachable until unmapped. An IOVA the current domain does not map (or any IOVA, when
     * the current domain is identity) that a domain the group left still maps is reached through
     * that domain's page tables. -1 when none does.
     */
    private static long throughLeftDomain(Group g, long iova, boolean write) {
        Domain cur = g.domain;
        if (cur.dma() != null && cur.driverDomain().iovaToPhys(iova) != 0) {
            return -1;
        }
        for (Domain old : g.left) {
            if (old.dma() != null) {
                long phys = old.driverDomain().accessThroughTables(iova, write);
                if (phys != -1) {
                    return phys;
                }
            }
        }
        return -1;
    }

    // ---- Iommu (what users see) ----

    @Override
    public List<String> units() {
        return drivers.stream().map(IommuDriver::unitName).toList();
    }

    @Override
    public synchronized List<IommuGroupInfo> groups() {
        return groups.values().stream().map(this::info).toList();
    }

    private IommuGroupInfo info(Group g) {
        Domain d = g.domain;
        return new IommuGroupInfo(g.id, typeName(d.type()), List.of(g.dev.name()), d.id(), g.driver.unitName());
    }

    @Override
    public Optional<IommuGroupInfo> group(DmaDevice dev) {
        Group g = byDevice.get(dev);
        return g == null ? Optional.empty() : Optional.of(info(g));
    }

    /** What {@code iommu_group_show_type} prints for a domain type. */
    static String typeName(DomainType t) {
        return switch (t) {
            case IDENTITY -> "identity";
            case DMA -> "DMA";
            case DMA_FQ -> "DMA-FQ";
        };
    }

    private synchronized Group groupOrThrow(int id) {
        Group g = groups.get(id);
        if (g == null) {
            throw new IllegalArgumentException("/sys/kernel/iommu_groups/" + id + ": no such group (groups: "
                + groups.keySet() + ")");
        }
        return g;
    }

    @Override
    public String readGroupType(int group) {
        return typeName(groupOrThrow(group).domain.type());
    }

    /**
     * {@code iommu_group_store_type} and {@code iommu_change_dev_def_domain} of 6.1: the value is
     * parsed first ({@code sysfs_streq}: a trailing newline is fine), then the group must hold one
     * device and that device no driver, unless the change is DMA to DMA-FQ, which 6.1 makes in
     * place (the flush queue is added to the live domain). Writing the current type succeeds and
     * changes nothing; {@code auto} means the boot's default type.
     */
    @Override
    public synchronized TypeWrite writeGroupType(int group, String value) {
        Group g = groupOrThrow(group);
        String v = value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
        DomainType want = switch (v) {
            case "identity" -> DomainType.IDENTITY;
            case "DMA" -> DomainType.DMA;
            case "DMA-FQ" -> DomainType.DMA_FQ;
            case "auto" -> defaults.type();
            default -> null;
        };
        if (want == null) {
            return new TypeWrite(-Errno.EINVAL, List.of("dmasim: '" + v + "' is not a type the file takes (identity,"
                + " DMA, DMA-FQ, auto): -EINVAL"));
        }
        Domain cur = g.domain;
        boolean inPlace = cur.type() == DomainType.DMA && want == DomainType.DMA_FQ;
        if (api.driver(g.dev).isPresent() && !inPlace) {
            return new TypeWrite(-Errno.EBUSY, List.of("iommu: Device is still bound to driver"));
        }
        if (cur.type() == want) {
            return new TypeWrite(value.length(), List.of());
        }
        if (inPlace) {
            cur.dma().startFlushQueue(clock);
            cur.driverDomain().setType(DomainType.DMA_FQ);
            return new TypeWrite(value.length(), List.of());
        }
        attachDefault(g, want);
        g.left.add(cur);
        cur.life().retire(); // the old domain drains on what it still maps
        return new TypeWrite(value.length(), List.of());
    }

    @Override
    public List<IommuDomainInfo> domains() {
        List<IommuDomainInfo> out = new ArrayList<>();
        for (Domain d : new TreeMap<>(domains).values()) {
            long ranges = 0;
            long cached = 0;
            long waiting = 0;
            if (d.dma() != null) {
                List<IovaRange> r = d.dma().iovad().ranges();
                ranges = r.stream().filter(x -> !x.reserved()).count();
                cached = d.dma().iovad().rcacheStats().pfns();
                waiting = d.dma().fqWaiting();
            }
            out.add(new IommuDomainInfo(d.id(), typeName(d.type()), d.group(), d.life().state().name(),
                d.driverDomain().asid(), ranges, cached, waiting, d.driverDomain().tablePages(), d.life().held()));
        }
        return out;
    }

    private DmaDomain dmaDomainOf(DmaDevice dev) {
        DmaDomain d = domain(dev);
        if (d == null) {
            throw new IllegalArgumentException("device " + dev.name() + ": no IOMMU DMA domain translates for it"
                + (byDevice.containsKey(dev) ? " (its group's domain is identity: dma-direct)" : " (not behind an IOMMU)"));
        }
        return d;
    }

    @Override
    public List<String> pageTable(DmaDevice dev, long iova, long size) {
        DmaDomain d = dmaDomainOf(dev);
        return ((IommuDriver.DriverDomain) d.domain()).dump(iova, size);
    }

    @Override
    public List<String> iovaRanges(DmaDevice dev) {
        DmaDomain d = dmaDomainOf(dev);
        int shift = Long.numberOfTrailingZeros(d.granule());
        return d.iovad().ranges().stream().map(r -> String.format("0x%012x-0x%012x %s%d page%s",
            r.pfnLo() << shift, ((r.pfnHi() + 1) << shift) - 1, r.reserved() ? "reserved " : "",
            r.pfnHi() - r.pfnLo() + 1, r.pfnHi() == r.pfnLo() ? "" : "s")).toList();
    }

    @Override
    public List<String> faultLog() {
        synchronized (faultLog) {
            return List.copyOf(faultLog);
        }
    }

    @Override
    public IommuCounters counters() {
        long[] hw = new long[9];
        for (IommuDriver driver : drivers) {
            long[] c = driver.hardwareCounters();
            for (int i = 0; i < hw.length; i++) {
                hw[i] += c[i];
            }
        }
        long queued = 0;
        long flushes = 0;
        for (Domain d : domains.values()) {
            if (d.dma() != null) {
                long[] fq = d.dma().fqCounters();
                queued += fq[0];
                flushes += fq[1];
            }
        }
        synchronized (this) {
            queued += retiredQueued;
            flushes += retiredFlushes;
        }
        return new IommuCounters(hw[0], hw[1], hw[2], hw[3], hw[4], hw[5], hw[6], hw[7], hw[8], queued, flushes);
    }

    private long retiredQueued;
    private long retiredFlushes;

    @Override
    public long now() {
        return clock.now();
    }

    @Override
    public int advance(long nanos) {
        return clock.advance(nanos);
    }
}
