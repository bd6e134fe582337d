package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeMemblock;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

/** CmaBoot's phases on their own: cma= parsed once and published, the default area from it. */
class CmaBootTest {
    /** QEMU virt: 4 GiB at 1 GiB; arm64 passes the 4 GiB DMA limit to dma_contiguous_reserve. */
    private static FakeBootContext virt(String cmdline) {
        FakeBootContext ctx = new FakeBootContext(Specs.spec(Arch.ARM64, cmdline),
            FakeMemblock.withMemory(0x40000000L, 4L << 30));
        ctx.put(ZoneLimits.class, new ZoneLimits(new long[] {0x100000, 0x100000, 0x140000, 0, 0},
            new boolean[] {true, true, true, true, false}, 32, 1L << 32, 1L << 32, 0xffffffffL));
        return ctx;
    }

    /** parse_early_param() with CMA's handler, then the phases. */
    private static void run(FakeBootContext ctx, BootPhase... phases) {
        CmaBoot cma = new CmaBoot();
        ctx.addEarlyParams(cma.earlyParams(Arch.ARM64));
        ctx.parseEarlyParams();
        for (BootPhase p : phases) {
            cma.run(p, ctx);
        }
    }

    @Test
    void theCommandLineIsParsedAsAnEarlyParamAndTheDefaultAreaUsesWhatWasPublished() {
        FakeBootContext ctx = virt("cma=128M");
        run(ctx);
        assertEquals(new CmaParams(true, 128L << 20, 0, 0), ctx.require(CmaParams.class));
        // A later phase reads the published parameters, not the command line again.
        ctx.put(CmaParams.class, new CmaParams(true, 32L << 20, 0, 0));
        run(ctx, BootPhase.RESERVED_MEM, BootPhase.CONTIGUOUS);
        assertEquals(List.of("cma: Reserved 32 MiB at 0x00000000fe000000"), ctx.log().kernelText());
        assertEquals(8192, ctx.require(CmaAreas.class).totalPages());
    }

    @Test
    void withoutCmaTheKconfigSizeIsPlacedTopDownBelowTheDmaLimit() {
        FakeBootContext ctx = virt("console=ttyAMA0");
        run(ctx, BootPhase.RESERVED_MEM, BootPhase.CONTIGUOUS);
        assertFalse(CmaParams.of(ctx).given());
        assertEquals(List.of("cma: Reserved 64 MiB at 0x00000000fc000000"), ctx.log().kernelText());
    }

    @Test
    void anOverflowingSizeFailsTheBootAtEarlyParamsAndPublishesNothing() {
        FakeBootContext ctx = virt("cma=16384P");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> run(ctx));
        assertTrue(e.getMessage().startsWith("cma=16384P: the size '16384P' does not fit in 64 bits"), e.getMessage());
        assertEquals(Map.of(ZoneLimits.class, ctx.require(ZoneLimits.class)), ctx.published());
        assertTrue(ctx.log().lines().isEmpty());
    }

    @Test
    void withoutDmaCmaTheParameterIsNotOneThisKernelKnows() {
        PlatformSpec spec = Specs.spec(Arch.ARM64, "cma=12Q");
        FakeBootContext ctx = new FakeBootContext(new PlatformSpec(spec.name(), spec.arch(), spec.deviceTree(),
            spec.e820(), spec.memOverride(), spec.cmdline(), spec.kconfig().with("DMA_CMA", "n"), 1, Map.of()));
        run(ctx, BootPhase.RESERVED_MEM);
        assertTrue(ctx.published().isEmpty());
    }
}
