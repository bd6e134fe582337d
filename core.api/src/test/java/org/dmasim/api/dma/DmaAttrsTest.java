package org.dmasim.api.dma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** DMA_ATTR_* names and numbers as the shell reads them. */
class DmaAttrsTest {
    @Test
    void namesWithAndWithoutPrefix_joined() {
        assertEquals(DmaAttrs.NO_WARN, DmaAttrs.parse("NO_WARN"));
        assertEquals(DmaAttrs.SKIP_CPU_SYNC | DmaAttrs.WEAK_ORDERING,
            DmaAttrs.parse("DMA_ATTR_SKIP_CPU_SYNC,WEAK_ORDERING"));
        assertEquals(DmaAttrs.PRIVILEGED | DmaAttrs.NO_KERNEL_MAPPING, DmaAttrs.parse("PRIVILEGED+NO_KERNEL_MAPPING"));
        assertEquals(0x120, DmaAttrs.parse("0x120"));
        assertEquals(0, DmaAttrs.parse("0"));
    }

    @Test
    void unknownName_isNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DmaAttrs.parse("NO_SUCH"));
        assertTrue(e.getMessage().startsWith("DMA attribute: NO_SUCH (expected: one of DMA_ATTR_WEAK_ORDERING"),
            e.getMessage());
    }
}
