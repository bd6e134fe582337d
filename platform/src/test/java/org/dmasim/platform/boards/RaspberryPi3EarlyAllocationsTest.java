package org.dmasim.platform.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.OracleSelection;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;

/**
 * Where Linux 6.1 puts CMA and swiotlb on a Raspberry Pi 3 Model B under QEMU 7.2
 * ({@code -M raspi3b -m 1G -dtb bcm2837-rpi-3-b.dtb}, Debian's tree), derived from the early
 * allocations' rules. The real kernel's lines for these two boots are not in the test data; these
 * are predictions, with the arithmetic written out so that it can be checked by hand.
 *
 * <p>Inputs (boards/qemu-raspi3b.profile): RAM [0, 0x3c000000) (QEMU keeps 64 MiB for the
 * VideoCore); /memreserve/ [0, 0x1000); the Image at 0x200000, reserved from _stext (0x210000,
 * 32 MiB); the blob at 0x8000000 ((14993 + 10000) x 2 = 49986 bytes); the soc's dma-ranges end at
 * CPU 0x3effffff, so zone_dma_bits = 30 and the DMA limit is min(1 GiB, end of RAM) = 0x3c000000;
 * 4 CPUs; the tree's /reserved-memory/linux,cma asks for 64 MiB anywhere (it is allocated first,
 * at [0x38000000, 0x3c000000)).
 *
 * <p>Top-down from the top of free RAM (T), before the default CMA area:
 * <ol>
 * <li>paging_init: kernel map 2 + 5 (2 MiB blocks holding _stext, _etext, __init_begin,
 * __init_end, _end), linear map 2 + 470 (2 MiB blocks of [0, 0x210000) and [0x1860000,
 * 0x3c000000); the text/rodata alias in between uses blocks), idmap 3: 482 pages = 0x1e2000.</li>
 * <li>unflatten_device_tree: 117 nodes, 498 properties plus the bootargs QEMU adds: 86768 bytes,
 * + 4 = 86772, 8-aligned; aliases serial0, serial1, ethernet0: 47 + 47 + 49 bytes.</li>
 * <li>numa_distance 256 bytes (own page), NODE_DATA 11392, mem_section roots 16384 x 8 = 131072,
 * one root page 4096, usemaps 8 x 56 = 448 (into a hole).</li>
 * <li>So the lowest byte taken is T - 0x1e2000 - 86772 (8-aligned) - 3 aliases - page for
 * numa_distance - 0x2c80 - 0x20000 - 0x1000 = T - 0x21bc80: the 16 MiB memmap buffer (8
 * sections x 2 MiB, 2 MiB aligned) ends at T - 4 MiB, leaving a gap of
 * 4 MiB - 0x21bc80 - 2 vmemmap table pages = 0x1e2000 (1928 KiB) above it.</li>
 * </ol>
 *
 * <p>{@code cma=128M}: the tree's area is given back ("bypass"), T = 0x3c000000, the memmap is
 * [0x3ac00000, 0x3bc00000), and CMA, 2 MiB aligned below the DMA limit, takes 128 MiB under it:
 * 0x3ac00000 - 0x8000000 = <b>0x32c00000</b>.
 *
 * <p>{@code swiotlb=force}: T = 0x38000000 (below the tree's CMA area), memmap [0x36c00000,
 * 0x37c00000). After it, into the 1928 KiB gap: 64 bytes of resources, 2 x 59 bytes of command
 * line, the percpu chunk 4 x 124 KiB = 496 KiB (and about 1 KiB of its bookkeeping), the dentry
 * hash (131072 x 8 = 1 MiB); about 400 KiB remain, too few for the inode hash (65536 x 8 =
 * 512 KiB), which goes right under the memmap: [0x36b80000, 0x36c00000). swiotlb's 64 MiB,
 * memblock_alloc_low below 0x3bfff000, page aligned, takes the next 64 MiB down:
 * <b>[0x32b80000, 0x36b80000)</b>, with "area num 4" for 4 CPUs.
 */
class RaspberryPi3EarlyAllocationsTest {
    static final String CMDLINE = "console=ttyAMA0 earlycon loglevel=8 panic=-1";

    private final MemblockProbe probe = new MemblockProbe();

    BootResult boot(String extra) throws Exception {
        Path profile = Path.of(RaspberryPi3EarlyAllocationsTest.class.getClassLoader()
            .getResource("boards/qemu-raspi3b.profile").toURI());
        BootResult r = Platforms.boot(SpecBuilder.build(Map.of(PlatformConfig.PROFILE, profile.toString(),
            PlatformConfig.CMDLINE, CMDLINE + " " + extra)), probe);
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        return r;
    }

    @Test
    void cma128MLandsUnderTheMemmap() throws Exception {
        BootResult r = boot("cma=128M");
        List<String> lines = OracleSelection.select(r.log().kernelText());
        assertEquals(List.of(
            "Reserved memory: bypass linux,cma node, using cmdline CMA params instead",
            "OF: reserved mem: node linux,cma compatible matching fail",
            "Zone ranges:",
            "  DMA      [mem 0x0000000000000000-0x000000003bffffff]",
            "  DMA32    empty",
            "  Normal   empty",
            "Movable zone start for each node",
            "Early memory node ranges",
            "  node   0: [mem 0x0000000000000000-0x000000003bffffff]",
            "Initmem setup node 0 [mem 0x0000000000000000-0x000000003bffffff]",
            "cma: Reserved 128 MiB at 0x0000000032c00000",
            "Built 1 zonelists, mobility grouping on.  Total pages: 241920",
            "DMA: preallocated 128 KiB GFP_KERNEL pool for atomic allocations",
            "DMA: preallocated 128 KiB GFP_KERNEL|GFP_DMA pool for atomic allocations",
            "DMA: preallocated 128 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations",
            "iommu: Default domain type: Translated ",
            "iommu: DMA domain TLB invalidation policy: strict mode "), lines);
        Memblock mb = probe.memblock();
        // the steps of the derivation: 482 page-table pages at the top, the unflattened tree under them
        assertEquals(0x3c000000L, region(mb, 0x3be1e000L).end());
        assertEquals(86772, region(mb, 0x3be08d08L).size());
        // the vmemmap's two table pages just under the lowest pre-memmap allocation (0x3bde4380)
        assertEquals(0x2000, region(mb, 0x3bde2000L).size());
        // memmap, CMA and (below CMA) the inode hash are one reserved run
        assertEquals(0x3bc00000L, region(mb, 0x32b80000L).end());
    }

    @Test
    void forcedSwiotlbLandsUnderTheInodeHash() throws Exception {
        BootResult r = boot("swiotlb=force");
        List<String> lines = OracleSelection.select(r.log().kernelText());
        assertEquals("Reserved memory: created CMA memory pool at 0x0000000038000000, size 64 MiB", lines.get(0));
        assertTrue(lines.contains("software IO TLB: area num 4."), lines.toString());
        assertTrue(lines.contains("software IO TLB: mapped [mem 0x0000000032b80000-0x0000000036b80000] (64MB)"),
            lines.toString());
        Memblock mb = probe.memblock();
        // page tables from 0x37e1e000 up to the tree's CMA area, which ends RAM
        assertEquals(0x3c000000L, region(mb, 0x37e1e000L).end());
        // slots (32768 x 24 bytes = 768 KiB) under the buffer, the buffer, the inode hash, the memmap
        assertEquals(0x37c00000L, region(mb, 0x36b80000L - 64 * 1024 * 1024 - 0xc0000L).end());
    }

    /** The reserved region that starts exactly at {@code base}. */
    static Memblock.Region region(Memblock mb, long base) {
        return mb.reserved().stream().filter(r -> r.base() == base).findFirst()
            .orElseThrow(() -> new AssertionError(String.format("no reserved region at %#x: %s", base, mb.reserved())));
    }
}
