package org.dmasim.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.Memblock.Region;
import org.dmasim.api.boot.SwiotlbSetup;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.E820Entry.Type;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeMemblock;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

/**
 * The x86_64 MEMBLOCK phase on its own: how the firmware's e820 map becomes memblock memory and
 * what the arch decides from it (e820__memblock_setup, trim_bios_range, the fixed reservations,
 * zone limits and whether swiotlb is wanted).
 */
class X86MemblockSetupTest {
    /** QEMU pc with SeaBIOS and 4 GiB (the pc-x86_64 profile's map). */
    static final List<E820Entry> PC_4G = List.of(new E820Entry(0x0, 0x9fbffL, Type.USABLE),
        new E820Entry(0x9fc00L, 0x9ffffL, Type.RESERVED), new E820Entry(0xf0000L, 0xfffffL, Type.RESERVED),
        new E820Entry(0x100000L, 0xbffdffffL, Type.USABLE), new E820Entry(0xbffe0000L, 0xbfffffffL, Type.RESERVED),
        new E820Entry(0xfffc0000L, 0xffffffffL, Type.RESERVED), new E820Entry(0x100000000L, 0x13fffffffL, Type.USABLE));

    private static FakeBootContext boot(List<E820Entry> e820, String cmdline) {
        X86Arch arch = new X86Arch();
        FakeBootContext ctx = new FakeBootContext(Specs.x86(e820, cmdline), new FakeMemblock())
            .addEarlyParams(arch.earlyParams(Arch.X86_64));
        arch.run(BootPhase.MEMBLOCK, ctx);
        return ctx;
    }

    @Test
    void usableRangesBecomeMemoryWithoutPageZeroAndTheLegacyHole() {
        Memblock mb = boot(PC_4G, "").memblock();
        assertEquals(List.of(new Region(0x1000, 0x9e000, 0), new Region(0x100000, 0xbfee0000L, 0),
            new Region(0x100000000L, 0x40000000L, 0)), mb.memory(), "page 0 is the BIOS's, 0x9fc00 is trimmed to a page");
        assertTrue(mb.isRegionReserved(0x1000, 1), "the first MiB is reserved");
        assertTrue(mb.isRegionReserved(X86Arch.KERNEL_BASE, X86Arch.KERNEL_SIZE), "the kernel image (nokaslr)");
        assertFalse(mb.isRegionReserved(X86Arch.KERNEL_BASE + X86Arch.KERNEL_SIZE, 1));
    }

    @Test
    void zoneLimitsAreTheFixed16MiBAnd4GiBBoundariesAndTheEndOfRam() {
        ZoneLimits z = boot(PC_4G, "").require(ZoneLimits.class);
        assertEquals(0x1000, z.maxZonePfn(ZoneType.DMA));
        assertEquals(0x100000, z.maxZonePfn(ZoneType.DMA32));
        assertEquals(0x140000, z.maxZonePfn(ZoneType.NORMAL));
        assertEquals(24, z.zoneDmaBits());
        assertEquals(0x140000000L, z.contiguousLimit(), "dma_contiguous_reserve(max_pfn_mapped << PAGE_SHIFT)");
        assertTrue(z.configured(ZoneType.DEVICE), "Debian's amd64 kernel has ZONE_DEVICE");
    }

    @Test
    void swiotlbIsWantedWhenRamReachesBeyond4GiBUnlessTheIommuIsOff() {
        assertTrue(boot(PC_4G, "").require(SwiotlbSetup.class).addressingLimit());
        SwiotlbSetup off = boot(PC_4G, "iommu=off").require(SwiotlbSetup.class);
        assertFalse(off.addressingLimit());
        assertTrue(off.iommuOff());
        assertTrue(boot(PC_4G, "iommu=off,soft").require(SwiotlbSetup.class).addressingLimit(), "iommu=soft forces it");
        List<E820Entry> low = PC_4G.subList(0, 6);
        assertFalse(boot(low, "").require(SwiotlbSetup.class).addressingLimit(), "3 GiB: every device reaches all RAM");
    }

    @Test
    void memLimitsRamAndPrintsTheUserDefinedMap() {
        FakeBootContext ctx = boot(PC_4G, "mem=2G");
        assertEquals(0x80000000L, ctx.memblock().endOfDram());
        List<String> lines = ctx.log().kernelText();
        assertEquals("BIOS-provided physical RAM map:", lines.get(0), "e820__memory_setup() prints the firmware's first");
        assertTrue(lines.indexOf("user-defined physical RAM map:") > lines.indexOf(
            "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable"), lines.toString());
        assertTrue(ctx.log().kernelText().contains("user: [mem 0x0000000000100000-0x000000007fffffff] usable"),
            ctx.log().kernelText().toString());
        assertFalse(ctx.require(SwiotlbSetup.class).addressingLimit());
    }

    @Test
    void aMapWithoutUsableRamIsRefused() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> boot(List.of(new E820Entry(0, 0xfffff, Type.RESERVED)), ""));
        assertTrue(e.getMessage().startsWith("e820: no usable RAM"), e.getMessage());
    }
}
