package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPoolBackend;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeDevice;
import org.dmasim.testing.FakeDma;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

class DmaPoolBootTest {
    private static DmaPoolBoot boot(DmaPoolBackend... backends) {
        DmaPoolBoot boot = new DmaPoolBoot();
        for (DmaPoolBackend b : backends) {
            boot.bindBackend(b, Map.of(DmaPoolBackend.VERSION_PROPERTY, b.version()));
        }
        return boot;
    }

    private static FakeBootContext ctx(Kconfig kconfig, Map<String, String> options) {
        FakeBootContext ctx = new FakeBootContext(Specs.spec(Arch.ARM64, kconfig, options));
        ctx.put(DmaApi.class, new FakeDma());
        return ctx;
    }

    @Test
    void runsInDevices_afterDmaCore() {
        DmaPoolBoot boot = boot();
        assertEquals("dmapool", boot.name());
        assertEquals(Set.of(BootPhase.DEVICES), boot.phases(Arch.X86_64));
        assertEquals(20, boot.rank(BootPhase.DEVICES));
    }

    @Test
    void defaultV6_1_publishesDmaPools() {
        FakeBootContext ctx = ctx(Kconfig.defaults(Arch.ARM64), Map.of());
        boot(new DmapoolV6_1Backend(), new DmapoolV6_4Backend()).run(BootPhase.DEVICES, ctx);
        DmaPools pools = ctx.require(DmaPools.class);
        assertEquals("6.1", pools.backendVersion());
        assertEquals(java.util.List.of("6.1", "6.4"), pools.backendVersions());
    }

    @Test
    void option64_andSlubDebugOn_giveA64PoolWithPoisoning() {
        FakeBootContext ctx = ctx(Kconfig.defaults(Arch.ARM64).with("SLUB_DEBUG_ON", "y"), Map.of("dmapool", "6.4"));
        boot(new DmapoolV6_1Backend(), new DmapoolV6_4Backend()).run(BootPhase.DEVICES, ctx);
        DmaPools pools = ctx.require(DmaPools.class);
        DmaPool pool = pools.create("p", new FakeDevice("d", 0), 64, 64, 0).orElseThrow();
        assertEquals("6.4", pool.backendVersion());
        DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        FakeDma dma = (FakeDma) ctx.require(DmaApi.class);
        assertEquals((byte) 0xa9, dma.vm.cpuRead(b.cpuAddr(), 1)[0]);
        assertEquals((byte) 0xa7, dma.vm.cpuRead(b.cpuAddr() + 64 + 20, 1)[0]);
    }

    @Test
    void debugSlab_alsoTurnsOnDmapoolDebug_defaultsDoNot() {
        assertTrue(DmaPoolBoot.debug(Kconfig.defaults(Arch.X86_64).with("DEBUG_SLAB", "y")));
        assertEquals(false, DmaPoolBoot.debug(Kconfig.defaults(Arch.X86_64)));
    }

    @Test
    void unknownOption_namesTheOptionAndTheAllowedValues() {
        FakeBootContext ctx = ctx(Kconfig.defaults(Arch.ARM64), Map.of("dmapool", "5.10"));
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> boot(new DmapoolV6_1Backend(), new DmapoolV6_4Backend()).run(BootPhase.DEVICES, ctx));
        assertEquals("dmapool=5.10: unknown dma_pool backend (expected: one of 6.1, 6.4)", e.getMessage());
        assertTrue(ctx.get(DmaPools.class).isEmpty());
    }

    @Test
    void missingBackendService_failsTheBootClearly() {
        FakeBootContext ctx = ctx(Kconfig.defaults(Arch.ARM64), Map.of("dmapool", "6.4"));
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> boot(new DmapoolV6_1Backend()).run(BootPhase.DEVICES, ctx));
        assertEquals("dmapool=6.4: the dma_pool backend 6.4 is not available (no DmaPoolBackend service with"
            + " dmasim.dmapool.version=6.4 is registered; registered: 6.1)", e.getMessage());
    }

    @Test
    void unboundBackend_isForgotten_butAReplacementBoundFirstSurvives() {
        DmaPoolBoot boot = boot(new DmapoolV6_1Backend());
        DmapoolV6_4Backend first = new DmapoolV6_4Backend();
        DmapoolV6_4Backend second = new DmapoolV6_4Backend();
        Map<String, Object> props = Map.of(DmaPoolBackend.VERSION_PROPERTY, "6.4");
        boot.bindBackend(first, props);
        boot.bindBackend(second, props);
        boot.unbindBackend(first, props);
        FakeBootContext ctx = ctx(Kconfig.defaults(Arch.ARM64), Map.of("dmapool", "6.4"));
        boot.run(BootPhase.DEVICES, ctx);
        assertEquals("6.4", ctx.require(DmaPools.class).backendVersion());
        boot.unbindBackend(second, props);
        FakeBootContext again = ctx(Kconfig.defaults(Arch.ARM64), Map.of("dmapool", "6.4"));
        assertThrows(InvalidInputException.class, () -> boot.run(BootPhase.DEVICES, again));
    }

    @Test
    void noDmaApi_failsNamingDmaCore() {
        FakeBootContext ctx = new FakeBootContext(Specs.spec(Arch.ARM64, Kconfig.defaults(Arch.ARM64), Map.of()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> boot(new DmapoolV6_1Backend()).run(BootPhase.DEVICES, ctx));
        assertTrue(e.getMessage().contains("dma.core must publish it in phase DEVICES"), e.getMessage());
    }
}
