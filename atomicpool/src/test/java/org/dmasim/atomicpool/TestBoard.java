package org.dmasim.atomicpool;

import java.util.List;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.testing.FakeArchDma;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeCma;
import org.dmasim.testing.FakeKernelVm;
import org.dmasim.testing.FakePageAllocator;
import org.dmasim.mm.buddy.MmKernel;
import org.dmasim.testing.Specs;

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
    final FakePageAllocator buddy;
    final FakeCma cma;
    final FakeArchDma arch;
    final FakeKernelVm vm;
    AtomicPoolsImpl pools;

    private TestBoard(PlatformSpec spec, FakePageAllocator buddy, FakeCma cma, ZoneLimits limits, long ramStart, long ramEnd) {
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
        ctx.put(MmRules.class, MmKernel.of(spec.kernel()));
    }

    static TestBoard arm64() {
        return arm64("", ARM64_CMA_BASE >>> 12);
    }

    /** The arm64 board with a command line and the default CMA area at another pfn (16384 pages). */
    static TestBoard arm64(String cmdline, long cmaBasePfn) {
        FakePageAllocator buddy = new FakePageAllocator(List.of(new FakePageAllocator.Zone(ZoneType.DMA, 0x40000, 0x100000),
            new FakePageAllocator.Zone(ZoneType.DMA32, 0x100000, 0x100000),
            new FakePageAllocator.Zone(ZoneType.NORMAL, 0x100000, 0x140000)), ARM64_MANAGED_PAGES);
        ZoneLimits limits = new ZoneLimits(new long[] {0x100000, 0x100000, 0x140000, 0, 0},
            new boolean[] {true, true, true, false, false}, 32, 1L << 32, 1L << 32, 0xffffffffL);
        return new TestBoard(Specs.spec(Arch.ARM64, cmdline), buddy, new FakeCma(cmaBasePfn, 16384), limits,
            0x40000000L, 0x140000000L);
    }

    static TestBoard x86() {
        FakePageAllocator buddy = new FakePageAllocator(List.of(new FakePageAllocator.Zone(ZoneType.DMA, 0x1, 0x1000),
            new FakePageAllocator.Zone(ZoneType.DMA32, 0x1000, 0x100000),
            new FakePageAllocator.Zone(ZoneType.NORMAL, 0x100000, 0x240000)), 2009000);
        ZoneLimits limits = new ZoneLimits(new long[] {0x1000, 0x100000, 0x240000, 0, 0},
            new boolean[] {true, true, true, false, true}, 24, 16L << 20, 1L << 32, 0xffffffffL);
        return new TestBoard(Specs.spec(Arch.X86_64, ""), buddy, null, limits, 0x1000L, 0x240000000L);
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
