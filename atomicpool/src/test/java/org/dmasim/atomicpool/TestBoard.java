package org.dmasim.atomicpool;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.pool.AtomicPools;

/**
 * A platform as the atomic pools see it at postcore_initcall time, built from test doubles.
 *
 * <p>arm64: the oracle's QEMU virt board (4 GiB at 0x40000000; ZONE_DMA up to 4 GiB, ZONE_DMA32
 * configured but empty, Normal above; default CMA 64 MiB at 0xfc000000; 1005117 managed pages
 * as in the oracle's zoneinfo, so atomic_pool_size = 122 pages = 499712 bytes and each pool is
 * one 512 KiB chunk). x86_64: 8 GiB, ZONE_DMA 16 MiB, DMA32 to 4 GiB, no CMA.
 */
final class TestBoard {
    static final long ARM64_CMA_BASE = 0xfc000000L;
    static final long ARM64_MANAGED_PAGES = 763220 + 241897;

    final FakeBootContext ctx;
    final FakeBuddy buddy;
    final FakeCma cma;
    final FakeArchDma arch;
    final FakeKernelVm vm;
    AtomicPoolsImpl pools;

    private TestBoard(PlatformSpec spec, FakeBuddy buddy, FakeCma cma, ZoneLimits limits, long ramStart, long ramEnd) {
        this.ctx = new FakeBootContext(spec);
        this.buddy = buddy;
        this.cma = cma;
        this.arch = new FakeArchDma(spec.arch() == Arch.ARM64);
        this.vm = new FakeKernelVm(spec.arch(), ramStart, ramEnd);
        ctx.put(PageAllocator.class, buddy);
        if (cma != null) {
            ctx.put(CmaAreas.class, cma);
        }
        ctx.put(ZoneLimits.class, limits);
        ctx.put(ArchDma.class, arch);
        ctx.put(KernelVm.class, vm);
    }

    private static PlatformSpec spec(Arch arch, String cmdline) {
        return new PlatformSpec("test-" + arch.id(), arch, Optional.empty(), List.of(), List.of(),
            KernelCmdline.parse(cmdline), Kconfig.defaults(arch), 1, Map.of());
    }

    static TestBoard arm64() {
        return arm64("", ARM64_CMA_BASE >>> 12);
    }

    /** The arm64 board with a command line and the default CMA area at another pfn (16384 pages). */
    static TestBoard arm64(String cmdline, long cmaBasePfn) {
        FakeBuddy buddy = new FakeBuddy(List.of(new FakeBuddy.Zone(ZoneType.DMA, 0x40000, 0x100000),
            new FakeBuddy.Zone(ZoneType.DMA32, 0x100000, 0x100000),
            new FakeBuddy.Zone(ZoneType.NORMAL, 0x100000, 0x140000)), ARM64_MANAGED_PAGES);
        ZoneLimits limits = new ZoneLimits(new long[] {0x100000, 0x100000, 0x140000, 0, 0},
            new boolean[] {true, true, true, false, false}, 32, 1L << 32, 1L << 32, 0xffffffffL);
        return new TestBoard(spec(Arch.ARM64, cmdline), buddy, new FakeCma(cmaBasePfn, 16384), limits,
            0x40000000L, 0x140000000L);
    }

    static TestBoard x86() {
        FakeBuddy buddy = new FakeBuddy(List.of(new FakeBuddy.Zone(ZoneType.DMA, 0x1, 0x1000),
            new FakeBuddy.Zone(ZoneType.DMA32, 0x1000, 0x100000),
            new FakeBuddy.Zone(ZoneType.NORMAL, 0x100000, 0x240000)), 2009000);
        ZoneLimits limits = new ZoneLimits(new long[] {0x1000, 0x100000, 0x240000, 0, 0},
            new boolean[] {true, true, true, false, true}, 24, 16L << 20, 1L << 32, 0xffffffffL);
        return new TestBoard(spec(Arch.X86_64, ""), buddy, null, limits, 0x1000L, 0x240000000L);
    }

    TestBoard boot() {
        new AtomicPoolBoot().run(BootPhase.ATOMIC_POOLS, ctx);
        pools = (AtomicPoolsImpl) ctx.require(AtomicPools.class);
        return this;
    }

    AtomicPool pool(String name) {
        return pools.pool(name).orElseThrow(() -> new AssertionError("no pool " + name));
    }

    List<String> kernelLog() {
        return ctx.log().kernelText();
    }
}
