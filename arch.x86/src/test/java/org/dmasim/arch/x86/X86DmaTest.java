package org.dmasim.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.mem.MemAttr;
import org.junit.jupiter.api.Test;

/** x86_64 has no DMA hooks in 6.1: every device coherent, write-back buffers, no alignment. */
class X86DmaTest {
    @Test
    void everyDeviceIsCoherentAndBuffersAreWriteBack() {
        X86Dma dma = new X86Dma();
        assertEquals(1, dma.cacheAlignment(), "no ARCH_DMA_MINALIGN: dma_get_cache_alignment() is 1");
        assertTrue(dma.defaultCoherent());
        assertFalse(dma.directRemap());
        assertEquals(MemAttr.NORMAL, dma.coherentPgprot(false, DmaAttrs.WRITE_COMBINE));
        dma.prepCoherent(0x100000, 4096);
        assertEquals(0, dma.prepCoherentBytes());
    }
}
