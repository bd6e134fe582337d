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
            "NAME        ARCH  STATE    FAILURE",
            "arm         ?     BOOTED",
            "x86-server  ?     WAITING  waiting for: swiotlb"), ShellFormatter.table(List.of(a, b)));
    }

    @Test
    void table_noPlatforms_headerOnly() {
        assertEquals("NAME  ARCH  STATE  FAILURE", ShellFormatter.table(List.of()));
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
        assertEquals("unknown view 'slabinfo' (expected one of: buddyinfo, zoneinfo, pagetypeinfo)", e.getMessage());
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
        return d;
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
            "max_mapping_size   262144",
            "opt_mapping_size   262144"), ShellFormatter.formatAny(deviceBehindABus()));
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
                + "  262144",
            "dma-test-coh              platform  coherent      0xffffffffffffffff  0xffffffff     -              direct"
                + "  SIZE_MAX"), ShellFormatter.formatAny(List.of(deviceBehindABus(), coh)));
    }
}
