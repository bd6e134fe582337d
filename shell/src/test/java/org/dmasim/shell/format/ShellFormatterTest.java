package org.dmasim.shell.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.LogLine.Level;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.shell.StubPlatform;
import org.junit.jupiter.api.Test;

class ShellFormatterTest {

    @Test
    void bootLog_kernelLinesVerbatim_dmasimLinesPrefixed() {
        BootLogDTO log = new BootLogDTO();
        log.platform = "p";
        log.lines = List.of(new LogLine(Level.INFO, "Zone ranges:"),
            new LogLine(Level.INFO, "  DMA32    empty"),
            new LogLine(Level.DMASIM, "profile qemu-virt-arm64"),
            new LogLine(Level.WARNING, "cma: Failed to reserve 512 MiB"));
        assertEquals("Zone ranges:\n  DMA32    empty\ndmasim: profile qemu-virt-arm64\ncma: Failed to reserve 512 MiB",
            ShellFormatter.format(log));
    }

    @Test
    void bootLog_empty_isEmptyString() {
        BootLogDTO log = new BootLogDTO();
        log.lines = List.of();
        assertEquals("", ShellFormatter.format(log));
    }

    @Test
    void procView_dropsOnlyTheLastNewline() {
        ProcViewDTO v = ProcViewDTO.of("p", ProcView.BUDDYINFO, "Node 0, zone      DMA      1\n\n");
        assertEquals("Node 0, zone      DMA      1\n", ShellFormatter.format(v));
        assertEquals("", ShellFormatter.format(ProcViewDTO.of("p", ProcView.ZONEINFO, null)));
    }

    @Test
    void table_padsColumns_failureLastUnpadded() {
        PlatformDTO a = PlatformDTO.of(new StubPlatform("arm", State.BOOTED, null));
        PlatformDTO b = PlatformDTO.of(new StubPlatform("x86-server", State.WAITING, "waiting for: swiotlb"));
        assertEquals(String.join("\n",
            "NAME        ARCH  KERNEL  STATE    FAILURE",
            "arm         ?     ?       BOOTED",
            "x86-server  ?     ?       WAITING  waiting for: swiotlb"), ShellFormatter.table(List.of(a, b)));
    }

    @Test
    void table_noPlatforms_headerOnly() {
        assertEquals("NAME  ARCH  KERNEL  STATE  FAILURE", ShellFormatter.table(List.of()));
    }

    @Test
    void formatAny_rendersShellDtos_nullForOthers() {
        PlatformDTO p = PlatformDTO.of(new StubPlatform("a", State.FAILED, "cma=12Q: bad size"));
        assertEquals(ShellFormatter.table(List.of(p)), ShellFormatter.formatAny(List.of(p)));
        assertEquals(ShellFormatter.table(List.of(p)), ShellFormatter.formatAny(p));
        assertEquals("x", ShellFormatter.formatAny(ProcViewDTO.of("a", ProcView.ZONEINFO, "x\n")));
        assertNull(ShellFormatter.formatAny("a string"));
        assertNull(ShellFormatter.formatAny(List.of()));
        assertNull(ShellFormatter.formatAny(List.of(p, "mixed")));
    }

    @Test
    void procView_parse_namesTheViewAndTheChoices() {
        assertEquals(ProcView.PAGETYPEINFO, ProcView.parse("pagetypeinfo"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcView.parse("slabinfo"));
        assertEquals("unknown view 'slabinfo' (expected one of: buddyinfo, zoneinfo, pagetypeinfo, meminfo)", e.getMessage());
    }

    @Test
    void result_labelledWithTheCall_numbersInTheirBase() {
        assertEquals("dma_set_mask(dma-test-nc, 30) = -5",
            ShellFormatter.format(ResultDTO.number("p", "dma_set_mask", List.of("dma-test-nc", "30"), -5, false)));
        assertEquals("dma_get_required_mask(dev) = 0x1ffffffff",
            ShellFormatter.format(ResultDTO.number("p", "dma_get_required_mask", List.of("dev"), 0x1ffffffffL, true)));
        assertEquals("dma_pool_destroy(o16)", ShellFormatter.format(ResultDTO.of("p", "dma_pool_destroy",
            List.of("o16"), null)));
        assertEquals("cma_release(reserved, pfn 0x10, 4) = true", ShellFormatter.formatAny(ResultDTO.of("p",
            "cma_release", List.of("reserved", "pfn 0x10", "4"), true)));
    }

    @Test
    void callResults_labelled_addressesInHex() {
        assertEquals("alloc_pages(GFP_KERNEL, 2) = pfn 0x40000 order 2 zone DMA phys 0x40000000 kva 0xffff000000000000",
            ShellFormatter.format(PagesDTO.of("p", "alloc_pages", List.of("GFP_KERNEL", "2"), 0x40000, 2, "DMA",
                0xffff000000000000L)));
        assertEquals("cma_alloc(reserved, 16, 4) = pfn 0xfc180 count 16 phys 0xfc180000",
            ShellFormatter.format(CmaRangeDTO.of("p", List.of("reserved", "16", "4"), "reserved", 0xfc180, 16)));
        assertEquals("dma_pool_alloc(o16, GFP_KERNEL) = vaddr 0xffff800008584000 dma 0x42400000",
            ShellFormatter.format(PoolBlockDTO.of("p", "dma_pool_alloc", List.of("o16", "GFP_KERNEL"), "o16",
                0xffff800008584000L, 0x42400000)));
        assertEquals("dma_pool_create(o16, dev, 16, 16, 0) = pool o16: size 0x10 allocation 0x1000 boundary 0x1000"
            + " (dma_pool 6.1)", ShellFormatter.format(PoolDTO.of("p", "dma_pool_create",
                List.of("o16", "dev", "16", "16", "0"), "o16", 16, 4096, 4096, "6.1")));
    }

    @Test
    void allocations_tableWithHeader() {
        AllocationDTO a = new AllocationDTO();
        a.device = "dma-test-nc";
        a.function = "dma_alloc_coherent";
        a.size = 0x5000;
        a.cpu = 0xffff800008586000L;
        a.dma = 0xfc180000L;
        a.phys = 0xfc180000L;
        a.reserved = 0x5000;
        a.attr = "MT_NORMAL_NC";
        a.source = "default CMA";
        a.sourceName = "reserved";
        assertEquals(String.join("\n",
            "DEVICE       FUNCTION            SIZE    CPU_ADDR            DMA_HANDLE  PHYS        TAKEN   MEMORY        SOURCE",
            "dma-test-nc  dma_alloc_coherent  0x5000  0xffff800008586000  0xfc180000  0xfc180000  0x5000  MT_NORMAL_NC  default CMA reserved"),
            ShellFormatter.formatAny(List.of(a)));
        assertEquals("dma-test-nc: dma_alloc_coherent 0x5000 = cpu 0xffff800008586000 dma 0xfc180000 (phys 0xfc180000,"
            + " default CMA reserved, 0x5000 bytes taken, MT_NORMAL_NC)", ShellFormatter.format(a));
        a.args = List.of("dma-test-nc", "20K", "GFP_KERNEL");
        assertEquals("dma_alloc_coherent(dma-test-nc, 20K, GFP_KERNEL) = cpu 0xffff800008586000 dma 0xfc180000 (phys"
            + " 0xfc180000, default CMA reserved, 0x5000 bytes taken, MT_NORMAL_NC)", ShellFormatter.format(a));
    }

    @Test
    void debugfs_pathAndContentPerFile_sortedByPath() {
        assertEquals("/sys/kernel/debug/cma/reserved/count: 16384\n/sys/kernel/debug/cma/reserved/used: 384",
            ShellFormatter.formatAny(DebugfsDTO.of("p", "/sys/kernel/debug/cma", java.util.Map.of(
                "reserved/used", "384\n", "reserved/count", "16384\n"))));
    }

    @Test
    void vmstat_countersThenTheSimulatorsRemark() {
        java.util.Map<String, Long> counters = new java.util.LinkedHashMap<>();
        counters.put("pgmigrate_success", 3L);
        counters.put("pgmigrate_fail", 0L);
        assertEquals("pgmigrate_success 3\npgmigrate_fail 0\ndmasim: migration moved 1 blocks, copied 0x3000 bytes in 7 us",
            ShellFormatter.formatAny(VmstatDTO.of("p", counters, 1, 0x3000, 7_400)));
    }

    private static DeviceInfoDTO deviceBehindABus() {
        DeviceInfoDTO d = new DeviceInfoDTO();
        d.name = "dma-test-bus:dma-test-dr";
        d.bus = "platform";
        d.ofNode = "/dma-test-bus/dma-test-dr";
        d.dmaOps = "direct";
        d.dmaMask = 0x7fffffffL;
        d.coherentDmaMask = 0x7fffffffL;
        d.busDmaLimit = 0x7fffffffL;
        DeviceInfoDTO.DmaRangeDTO r = new DeviceInfoDTO.DmaRangeDTO();
        r.cpuStart = 0x40000000L;
        r.size = 0x80000000L;
        r.offset = 0x40000000L;
        d.dmaRanges = List.of(r);
        d.requiredMask = 0xffffffffL;
        d.maxSegmentSize = 0x10000;
        d.segmentBoundaryMask = -1L;
        d.cmaArea = new DeviceInfoDTO.CmaAreaDTO();
        d.cmaArea.name = "reserved";
        d.cmaArea.base = 0xfc000000L;
        d.cmaArea.size = 0x4000000L;
        d.swiotlbActive = true;
        d.maxMappingSize = 262144;
        d.optMappingSize = 262144;
        d.mappings = 2;
        d.backends = List.of(backend("swiotlb#2", "ACTIVE", 0, 0, "bounce pool [mem 0x00000000f8000000-0x00000000f8400000]"
            + " (4MB), 2048 slots"), backend("swiotlb#1", "DRAINING", 3, 2, "bounce pool"));
        return d;
    }

    private static DeviceInfoDTO.BackendDTO backend(String id, String state, long held, long mine, String what) {
        DeviceInfoDTO.BackendDTO b = new DeviceInfoDTO.BackendDTO();
        b.kind = "swiotlb";
        b.id = id;
        b.state = state;
        b.held = held;
        b.heldForDevice = mine;
        b.description = what;
        return b;
    }

    @Test
    void device_everyFieldOnItsOwnLine_inTheKernelsNames() {
        assertEquals(String.join("\n",
            "device             dma-test-bus:dma-test-dr (platform)",
            "of_node            /dma-test-bus/dma-test-dr",
            "dma_ops            direct",
            "coherent           no",
            "dma_mask           0x7fffffff",
            "coherent_dma_mask  0x7fffffff",
            "bus_dma_limit      0x7fffffff",
            "dma_range_map      cpu 0x40000000 dma 0x0 size 0x80000000 (offset 0x40000000)",
            "required_mask      0xffffffff",
            "max_seg_size       0x10000",
            "seg_boundary_mask  0xffffffffffffffff",
            "min_align_mask     0x0",
            "cma_area           reserved (default) base 0xfc000000 size 0x4000000",
            "coherent pool      none",
            "swiotlb            active",
            "max_mapping_size   0x40000",
            "opt_mapping_size   0x40000",
            "mappings           2",
            "backends           swiotlb#2 ACTIVE, 0 held (0 of this device): bounce pool [mem 0x00000000f8000000-"
                + "0x00000000f8400000] (4MB), 2048 slots",
            "                   swiotlb#1 DRAINING, 3 held (2 of this device): bounce pool"),
            ShellFormatter.formatAny(deviceBehindABus()));
    }

    @Test
    void devices_tableWithHeader_sizeMaxSpelledOut() {
        DeviceInfoDTO coh = deviceBehindABus();
        coh.name = "dma-test-coh";
        coh.coherent = true;
        coh.dmaMask = -1L;
        coh.coherentDmaMask = 0xffffffffL;
        coh.busDmaLimit = 0;
        coh.maxMappingSize = -1L;
        assertEquals(String.join("\n",
            "DEVICE                    BUS       COHERENT      DMA_MASK            COHERENT_MASK  BUS_DMA_LIMIT  OPS"
                + "     MAX_MAPPING",
            "dma-test-bus:dma-test-dr  platform  non-coherent  0x7fffffff          0x7fffffff     0x7fffffff     direct"
                + "  0x40000",
            "dma-test-coh              platform  coherent      0xffffffffffffffff  0xffffffff     -              direct"
                + "  SIZE_MAX"), ShellFormatter.formatAny(List.of(deviceBehindABus(), coh)));
    }

    @Test
    void kmalloc_showsAddressPhysCacheAndKsize() {
        KmallocDTO k = KmallocDTO.of("p", "kmalloc", List.of("100", "GFP_KERNEL"), 0xffff000002a3e080L, 0x42a3e080L,
            "kmalloc-128", 128);
        assertEquals("kmalloc(100, GFP_KERNEL) = 0xffff000002a3e080 (phys 0x42a3e080, kmalloc-128, ksize 0x80)",
            ShellFormatter.formatAny(k));
        KmallocDTO zero = KmallocDTO.of("p", "kmalloc", List.of("0", "GFP_KERNEL"), 16, 0, null, 0);
        assertEquals("kmalloc(0, GFP_KERNEL) = 0x10 (ZERO_SIZE_PTR)", ShellFormatter.format(zero));
    }

    @Test
    void cpuCache_countersThenLines() {
        org.dmasim.api.mem.CacheStats stats = new org.dmasim.api.mem.CacheStats(5, 4, 3, 1, 0, 0, 2, 1, 7, 2);
        CpuCacheDTO c = CpuCacheDTO.of("p", 64, "none", stats, List.of(
            new CpuCacheDTO.Line(0xffff000000001000L, new org.dmasim.api.mem.CacheLine(0x40001000L, true, true, false)),
            new CpuCacheDTO.Line(0xffff000000001040L, new org.dmasim.api.mem.CacheLine(0x40001040L, true, false, true)),
            new CpuCacheDTO.Line(0xffff000000001080L, new org.dmasim.api.mem.CacheLine(0x40001080L, false, false,
                false))));
        assertEquals(String.join("\n",
            "CPU data cache      64-byte lines, write-back, eviction none",
            "lines cached        7 (2 dirty)",
            "line fills          5",
            "lines cleaned       4",
            "lines invalidated   3 (1 dirty: CPU stores lost)",
            "lines evicted       0 (0 written back)",
            "stale CPU reads     2",
            "stale device reads  1",
            "ADDR                PHYS        STATE",
            "0xffff000000001000  0x40001000  dirty",
            "0xffff000000001040  0x40001040  clean, RAM changed behind it",
            "0xffff000000001080  0x40001080  not cached"), ShellFormatter.formatAny(c));
    }

    @Test
    void backendInstances_tableOldestFirst_forcedOutSaidSo() {
        org.dmasim.api.backend.BackendLifecycle old = new org.dmasim.api.backend.BackendLifecycle("swiotlb", "swiotlb#1",
            "bounce pool [mem 0x00000000f8000000-0x00000000fc000000] (64MB), 32768 slots", () -> { });
        old.tryHold();
        old.retire();
        org.dmasim.api.backend.BackendLifecycle pools = new org.dmasim.api.backend.BackendLifecycle("dmapool",
            "dmapool#1", "dma_pool service, backend 6.1", () -> { });
        pools.tryHold();
        pools.forceOut();
        assertEquals(String.join("\n",
            "INSTANCE   STATE                  HELD  WHAT",
            "swiotlb#1  DRAINING               1     bounce pool [mem 0x00000000f8000000-0x00000000fc000000] (64MB),"
                + " 32768 slots",
            "dmapool#1  RELEASED (forced out)  0     dma_pool service, backend 6.1"),
            ShellFormatter.backendInstances(List.of(old, pools)));
    }

    private static MappingDTO mapping(long dma, String pool, long slot) {
        MappingDTO m = new MappingDTO();
        m.platform = "p";
        m.device = "dma-test-nc";
        m.function = "dma_map_single";
        m.args = List.of("dma-test-nc", "0xffff000080000000", "1500", "DMA_TO_DEVICE");
        m.dma = dma;
        m.size = 1500;
        m.dir = "DMA_TO_DEVICE";
        m.phys = 0x80000000L;
        m.bouncePool = pool;
        m.slot = slot;
        return m;
    }

    @Test
    void mapping_direct_bounced_failed_withWhatTheKernelPrinted() {
        assertEquals("dma_map_single(dma-test-nc, 0xffff000080000000, 1500, DMA_TO_DEVICE) = dma 0x80000000 (phys"
            + " 0x80000000, direct)", ShellFormatter.formatAny(mapping(0x80000000L, null, -1)));
        assertEquals("dma_map_single(dma-test-nc, 0xffff000080000000, 1500, DMA_TO_DEVICE) = dma 0xf8001000 (phys"
            + " 0x80000000, bounced: swiotlb slot 2)", ShellFormatter.formatAny(mapping(0xf8001000L, "swiotlb", 2)));
        MappingDTO failed = mapping(-1L, null, -1);
        failed.mappingError = -12;
        failed.printed = List.of("platform dma-test-nc: swiotlb buffer is full (sz: 1500 bytes), total 0 (slots),"
            + " used 0 (slots)");
        assertEquals("platform dma-test-nc: swiotlb buffer is full (sz: 1500 bytes), total 0 (slots), used 0 (slots)\n"
            + "dma_map_single(dma-test-nc, 0xffff000080000000, 1500, DMA_TO_DEVICE) = DMA_MAPPING_ERROR"
            + " (dma_mapping_error: -12)", ShellFormatter.formatAny(failed));
    }

    @Test
    void mappings_table_headerOnlyWhenNone() {
        assertEquals("DEVICE  FUNCTION  DMA_HANDLE  SIZE  DIR  PHYS  BOUNCE",
            ShellFormatter.formatAny(MappingsDTO.of("p", List.of())));
        assertEquals("DEVICE       FUNCTION        DMA_HANDLE  SIZE   DIR            PHYS        BOUNCE\n"
            + "dma-test-nc  dma_map_single  0xf8001000  0x5dc  DMA_TO_DEVICE  0x80000000  swiotlb slot 2",
            ShellFormatter.formatAny(MappingsDTO.of("p", List.of(mapping(0xf8001000L, "swiotlb", 2)))));
    }

    @Test
    void sgMapping_entriesMappedAndNot() {
        SgMappingDTO g = new SgMappingDTO();
        g.function = "dma_map_sg";
        g.args = List.of("dma-test-nc", "DMA_FROM_DEVICE", "a:4096,b:100");
        g.returned = 1;
        g.segments = 1;
        g.entries = List.of(new SgMappingDTO.Entry(0x80000000L, 4096, 0x80000000L, 4096, null, -1),
            new SgMappingDTO.Entry(0x90000000L, 100, 0, 0, null, -1));
        assertEquals("dma_map_sg(dma-test-nc, DMA_FROM_DEVICE, a:4096,b:100) = 1\n"
            + "sg[0] phys 0x80000000 len 0x1000 -> dma 0x80000000 len 0x1000 (direct)\n"
            + "sg[1] phys 0x90000000 len 0x64", ShellFormatter.formatAny(g));
    }

    /** dma_map_sgtable returns 0 or -errno and sets sgt->nents: both shown; no segment after a failure. */
    @Test
    void sgtableMapping_zeroAndNentsOrTheErrno() {
        SgMappingDTO g = new SgMappingDTO();
        g.function = "dma_map_sgtable";
        g.args = List.of("dma-test-nc", "DMA_TO_DEVICE", "a:4096");
        g.segments = 1;
        g.entries = List.of(new SgMappingDTO.Entry(0x80000000L, 4096, 0xf8000000L, 4096, "swiotlb", 0));
        assertEquals("dma_map_sgtable(dma-test-nc, DMA_TO_DEVICE, a:4096) = 0 (sgt->nents = 1)\n"
            + "sg[0] phys 0x80000000 len 0x1000 -> dma 0xf8000000 len 0x1000 (bounced: swiotlb slot 0)",
            ShellFormatter.formatAny(g));
        g.returned = -5;
        g.segments = 0;
        assertEquals("dma_map_sgtable(dma-test-nc, DMA_TO_DEVICE, a:4096) = -5\n"
            + "sg[0] phys 0x80000000 len 0x1000", ShellFormatter.formatAny(g));
    }

    @Test
    void swiotlb_poolAreasDevices_orNoSlots() {
        org.dmasim.api.swiotlb.SwiotlbStats stats = new org.dmasim.api.swiotlb.SwiotlbStats("swiotlb", 0xf8000000L,
            32768, 3, List.of(new org.dmasim.api.swiotlb.SwiotlbStats.Area(0, 0, 16384, 3, 3),
                new org.dmasim.api.swiotlb.SwiotlbStats.Area(1, 16384, 16384, 0, 0)),
            List.of(new org.dmasim.api.swiotlb.SwiotlbStats.DeviceBounces("dma-test-nc", 2, 1, 1, 3, 4500, 1, 1500)));
        SwiotlbDTO d = new SwiotlbDTO();
        d.instance = "swiotlb#1";
        d.pools = List.of(new SwiotlbDTO.Pool(stats, 0xfc000000L, 2, false));
        assertEquals(String.join("\n",
            "swiotlb (swiotlb#1): [mem 0x00000000f8000000-0x00000000fbffffff] 32768 slots (64 MiB), 2 areas, 3 used",
            "AREA  FIRST_SLOT  SLOTS  USED  CURSOR",
            "0     0           16384  3     3",
            "1     16384       16384  0     0",
            "DEVICE       MAPS  FAILED  LIVE  COPIES_TO_BOUNCE  BYTES   COPIES_FROM_BOUNCE  BYTES",
            "dma-test-nc  2     1       1     3                 0x1194  1                   0x5dc"),
            ShellFormatter.formatAny(d));
        SwiotlbDTO none = new SwiotlbDTO();
        none.instance = "swiotlb#1";
        none.pools = List.of(new SwiotlbDTO.Pool(new org.dmasim.api.swiotlb.SwiotlbStats("swiotlb", 0, 0, 0,
            List.of(), List.of()), 0, 0, false));
        assertEquals("swiotlb (swiotlb#1): no slots", ShellFormatter.formatAny(none));
    }
}
