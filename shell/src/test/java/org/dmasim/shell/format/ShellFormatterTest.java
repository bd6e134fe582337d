package org.dmasim.shell.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
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
        assertEquals("unknown view 'slabinfo' (expected one of: buddyinfo, zoneinfo, pagetypeinfo, meminfo)", e.getMessage());
    }
}
