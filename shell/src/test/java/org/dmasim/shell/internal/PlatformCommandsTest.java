package org.dmasim.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dmasim.api.platform.LogLine.Level;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.shell.StubPlatform;
import org.dmasim.shell.format.PlatformDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.junit.jupiter.api.Test;

class PlatformCommandsTest {
    private final PlatformCommands commands = new PlatformCommands();

    @Test
    void platforms_sortedByName() {
        commands.platforms = List.of(new StubPlatform("b", State.BOOTED, null), new StubPlatform("a", State.BOOTED, null));
        assertEquals(List.of("a", "b"), commands.platforms().stream().map(p -> p.name).toList());
    }

    @Test
    void platforms_noneBound_emptyList() {
        assertEquals(List.<PlatformDTO>of(), commands.platforms());
    }

    @Test
    void bootlog_withoutName_usesTheOnlyPlatform() {
        StubPlatform p = new StubPlatform("only", State.BOOTED, null);
        p.bootLog().info("Zone ranges:");
        p.bootLog().dmasim("booted in 3 ms");
        commands.platforms = List.of(p);
        assertEquals("Zone ranges:\ndmasim: booted in 3 ms", ShellFormatter.format(commands.bootlog()));
    }

    @Test
    void select_withoutName_severalPlatforms_asksForOne() {
        commands.platforms = List.of(new StubPlatform("x", State.BOOTED, null), new StubPlatform("a", State.BOOTED, null));
        Exception e = assertThrows(IllegalArgumentException.class, commands::bootlog);
        assertEquals("several platforms exist (a, x): name one", e.getMessage());
    }

    @Test
    void select_withoutName_noPlatform() {
        Exception e = assertThrows(IllegalStateException.class, () -> commands.buddyinfo());
        assertEquals("no platform exists (create an org.dmasim.platform configuration, or start dmasim"
            + " with boot/run/shell)", e.getMessage());
    }

    @Test
    void select_unknownName_listsTheKnownOnes() {
        commands.platforms = List.of(new StubPlatform("a", State.BOOTED, null));
        Exception e = assertThrows(IllegalArgumentException.class, () -> commands.bootlog("z"));
        assertEquals("no platform named 'z' (platforms: a)", e.getMessage());
    }

    @Test
    void procViews_renderThroughThePageAllocator() {
        commands.platforms = List.of(new StubPlatform("a", State.BOOTED, null).withAllocator(),
            new StubPlatform("b", State.BOOTED, null).withAllocator());
        assertEquals("buddyinfo of b", ShellFormatter.format(commands.buddyinfo("b")));
        assertEquals("zoneinfo of a", ShellFormatter.format(commands.zoneinfo("a")));
        assertEquals("pagetypeinfo of a", ShellFormatter.format(commands.pagetypeinfo("a")));
        assertEquals("buddyinfo", commands.buddyinfo("a").view);
    }

    @Test
    void procView_platformNotBooted_saysWhy() {
        commands.platforms = List.of(new StubPlatform("a", State.WAITING, "waiting for: swiotlb").withAllocator());
        Exception e = assertThrows(IllegalStateException.class, () -> commands.zoneinfo("a"));
        assertEquals("platform 'a' is WAITING: waiting for: swiotlb (zoneinfo needs a BOOTED platform)", e.getMessage());
    }

    @Test
    void procView_noAllocator_namesTheMissingBundle() {
        commands.platforms = List.of(new StubPlatform("a", State.BOOTED, null));
        Exception e = assertThrows(IllegalStateException.class, () -> commands.pagetypeinfo());
        assertEquals("platform 'a' has no page allocator (pagetypeinfo needs mm.buddy)", e.getMessage());
    }

    @Test
    void converter_formatsDtos_passesOthers() {
        DmasimConverter c = new DmasimConverter();
        StubPlatform p = new StubPlatform("a", State.BOOTED, null);
        p.bootLog().add(Level.NOTICE, "Linux version 6.1");
        assertEquals("Linux version 6.1", c.format(org.dmasim.shell.format.BootLogDTO.of(p), 0, null));
        assertEquals(null, c.format(42, 0, null));
        assertEquals(null, c.convert(String.class, "x"));
    }
}
