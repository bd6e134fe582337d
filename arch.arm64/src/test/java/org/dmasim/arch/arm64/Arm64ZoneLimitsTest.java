package org.dmasim.arch.arm64;

import static org.dmasim.testing.Dt.cells;
import static org.dmasim.testing.Dt.memory;
import static org.dmasim.testing.Dt.node;
import static org.dmasim.testing.Dt.props;
import static org.dmasim.testing.Dt.root;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.testing.Dt;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeMemblock;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

/**
 * arm64's zone_sizes_init() in 6.1: zone_dma_bits from the device tree's dma-ranges
 * (of_dma_get_max_cpu_address, at most 32 bits), max_zone_phys() against where DRAM starts,
 * and the limits the DMA code derives from them.
 */
class Arm64ZoneLimitsTest {
    private static ZoneLimits limits(DtNode root, Kconfig kconfig, long... ramBaseSize) {
        PlatformSpec s = Specs.arm64(Dt.tree(root), List.of(), "");
        PlatformSpec spec = new PlatformSpec(s.name(), s.arch(), s.deviceTree(), s.e820(), s.memOverride(), s.cmdline(),
            kconfig, 1, s.options());
        return Arm64Arch.zoneLimits(new FakeBootContext(spec, FakeMemblock.withMemory(ramBaseSize)));
    }

    private static ZoneLimits limits(DtNode root, long... ramBaseSize) {
        return limits(root, Kconfig.defaults(Arch.ARM64), ramBaseSize);
    }

    /** A bus whose devices see only [0x40000000, 0x80000000) (bus address = CPU address). */
    private static DtNode soc1GiB() {
        return node("soc", props(cells("#address-cells", 2), cells("#size-cells", 2),
            cells("dma-ranges", 0x0, 0x40000000, 0x0, 0x40000000, 0x0, 0x40000000)));
    }

    @Test
    void withoutDmaRangesZoneDmaIsTheLow4GiB() {
        ZoneLimits z = limits(root(memory(0x40000000L, 4L << 30)), 0x40000000L, 4L << 30);
        assertEquals(32, z.zoneDmaBits());
        assertEquals(0x100000, z.maxZonePfn(ZoneType.DMA));
        assertEquals(0x100000, z.maxZonePfn(ZoneType.DMA32), "DMA32 ends where DMA does: the zone is empty");
        assertEquals(0x140000, z.maxZonePfn(ZoneType.NORMAL));
        assertEquals(1L << 32, z.dmaPhysLimit());
        assertEquals(1L << 32, z.contiguousLimit());
        assertEquals(0xffffffffL, z.lowAddressLimit());
    }

    @Test
    void dmaRangesNarrowZoneDmaToTheHighestReachableCpuAddress() {
        ZoneLimits z = limits(root(memory(0x40000000L, 4L << 30), soc1GiB()), 0x40000000L, 4L << 30);
        assertEquals(31, z.zoneDmaBits(), "fls64(0x7fffffff)");
        assertEquals(0x80000, z.maxZonePfn(ZoneType.DMA));
        assertEquals(0x100000, z.maxZonePfn(ZoneType.DMA32));
        assertEquals(0x80000000L, z.dmaPhysLimit());
    }

    @Test
    void aDisabledBusDoesNotRestrictDma() {
        DtNode disabled = node("soc", props(cells("#address-cells", 2), cells("#size-cells", 2),
            cells("dma-ranges", 0x0, 0x40000000, 0x0, 0x40000000, 0x0, 0x40000000), Dt.string("status", "disabled")));
        assertEquals(32, limits(root(memory(0x40000000L, 4L << 30), disabled), 0x40000000L, 4L << 30).zoneDmaBits());
    }

    @Test
    void dramThatStartsAbove4GiBIsAllZoneDma() {
        ZoneLimits z = limits(root(memory(0x800000000L, 2L << 30)), 0x800000000L, 2L << 30);
        assertEquals(0x880000, z.maxZonePfn(ZoneType.DMA), "max_zone_phys: start > U32_MAX, no mask");
        assertEquals(0x880000, z.maxZonePfn(ZoneType.DMA32));
    }

    @Test
    void dramThatStartsAboveTheZoneMaskGetsTheLow4GiB() {
        FakeMemblock mb = FakeMemblock.withMemory(0x80000000L, 4L << 30);
        assertEquals(1L << 32, Arm64Kernel.V6_1.maxZonePhys(mb, 30), "start 0x80000000 > 0x3fffffff: U32_MAX instead");
        assertEquals(1L << 32, Arm64Kernel.V6_1.maxZonePhys(mb, 32));
        assertEquals(0x180000000L, Arm64Kernel.V6_1.maxZonePhys(mb, 64));
        FakeMemblock small = FakeMemblock.withMemory(0x40000000L, 256L << 20);
        assertEquals(0x50000000L, Arm64Kernel.V6_1.maxZonePhys(small, 32), "below the mask: the end of DRAM");
    }

    @Test
    void withoutZoneDmaTheDma32LimitServesTheDmaCode() {
        Kconfig k = Kconfig.defaults(Arch.ARM64).with("ZONE_DMA", "n");
        ZoneLimits z = limits(root(memory(0x40000000L, 4L << 30), soc1GiB()), k, 0x40000000L, 4L << 30);
        assertEquals(0, z.maxZonePfn(ZoneType.DMA));
        assertEquals(1L << 32, z.dmaPhysLimit(), "arm64_dma_phys_limit = dma32_phys_limit; dma-ranges unused");
        Kconfig none = k.with("ZONE_DMA32", "n");
        assertEquals(1L << 48, limits(root(memory(0x40000000L, 4L << 30)), none, 0x40000000L, 4L << 30).dmaPhysLimit(),
            "no DMA zones: PHYS_MASK + 1");
    }
}
