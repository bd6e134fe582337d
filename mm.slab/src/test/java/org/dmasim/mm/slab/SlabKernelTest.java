package org.dmasim.mm.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.mm.buddy.MmKernel;
import org.dmasim.testing.FakeArchDma;
import org.junit.jupiter.api.Test;

/** The kmalloc rules that differ between the modelled kernels. */
class SlabKernelTest {
    private static final KernelVersion K61 = KernelVersion.parse("6.1");
    private static final KernelVersion K612 = KernelVersion.parse("6.12");
    private final FakeArchDma arm64 = new FakeArchDma(true);
    private final FakeArchDma x86 = new FakeArchDma(false);

    @Test
    void linux61TakesArchDmaMinalignAndAlignsNothingAtBoot() {
        SlabKernel k = SlabKernel.of(K61);
        assertEquals(128, k.kmallocMinSize(arm64), "ARCH_KMALLOC_MINALIGN = ARCH_DMA_MINALIGN");
        assertEquals(8, k.kmallocMinSize(x86));
        assertEquals(128, k.kmallocMinalign(128, arm64, false, true));
        assertEquals(8, k.kmallocMinalign(8, x86, false, true));
    }

    @Test
    void linux612AlignsToTheCacheLineUnlessSmallBuffersCanBeBounced() {
        SlabKernel k = SlabKernel.of(K612);
        assertEquals(8, k.kmallocMinSize(arm64), "arm64 ARCH_KMALLOC_MINALIGN 8 since 6.5");
        assertEquals(8, k.kmallocMinalign(8, arm64, true, true), "DMA_BOUNCE_UNALIGNED_KMALLOC with a swiotlb");
        assertEquals(128, k.kmallocMinalign(8, arm64, true, false), "no swiotlb: dma_get_cache_alignment()");
        assertEquals(128, k.kmallocMinalign(8, arm64, false, true), "no kmalloc bouncing: dma_get_cache_alignment()");
        assertEquals(8, k.kmallocMinalign(8, x86, false, true), "x86: max(1, arch_slab_minalign() 8)");
    }

    @Test
    void theSlabsGfpMaskKeepsGfpAtomicsBitOnlyWhereTheKernelHasIt() {
        int v61 = KmemCache.slabGfpMask(MmKernel.of(K61));
        int v612 = KmemCache.slabGfpMask(MmKernel.of(K612));
        assertEquals(0x200, v61 & 0x200, "6.1's GFP_RECLAIM_MASK has __GFP_ATOMIC");
        assertEquals(0, v612 & 0x200, "6.12 has no __GFP_ATOMIC");
        assertEquals(v61 & ~0x200, v612);
        assertTrue((v612 & Gfp.__GFP_HIGH) != 0 && (v612 & Gfp.__GFP_DMA) == 0);
    }

    @Test
    void anUnmodelledKernelIsRefusedNamingTheModelledOnes() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SlabKernel.of(KernelVersion.parse("5.15")));
        assertEquals("kernel 5.15: mm.slab models 6.1, 6.12 only", e.getMessage());
        assertEquals(java.util.Set.of(K61, K612), SlabKernel.kernels());
    }
}
