package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** cma_release: ownership by pfn, giving pages back, and misuse that must change nothing. */
class CmaReleaseTest {
    @Test
    void releaseFreesThePagesAndClearsTheBits() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        long p = t.cma.alloc(10, 0, false);
        assertTrue(t.cma.release(p, 10));
        assertEquals(0, t.cma.used());
        assertEquals(0, t.pages.takenPages());
        assertEquals(p, t.cma.alloc(10, 0, false), "the range is reusable");
    }

    @Test
    void pfnOutsideTheAreaIsNotOurs() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        t.cma.alloc(4, 0, false);
        assertFalse(t.cma.release(0x3ffff, 1));
        assertFalse(t.cma.release(0x40200, 1));
        assertEquals(4, t.cma.used());
    }

    @Test
    void partialReleaseOfAnAllocationIsAllowedAsInTheKernel() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        long p = t.cma.alloc(8, 0, false);
        assertTrue(t.cma.release(p + 4, 4));
        assertEquals(4, t.cma.used());
        assertTrue(t.cma.release(p, 4));
        assertEquals(0, t.cma.used());
    }

    @Test
    void releasingZeroPagesInsideTheAreaIsANoOpThatReturnsTrue() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        assertTrue(t.cma.release(0x40010, 0));
        assertEquals(0, t.cma.used());
    }

    @Test
    void releasingPagesThatAreNotAllocatedIsRefusedAndChangesNothing() {
        TestAreas t = new TestAreas("reserved", 0x40000, 512, 0);
        long p = t.cma.alloc(8, 0, false);
        Map<String, String> before = t.cma.debugfs();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.cma.release(p + 4, 8));
        assertEquals("cma_release: reserved: pfn 0x40004 + 8 pages: pfn 0x40008 is not allocated from this area (the"
            + " kernel would free pages it does not own and corrupt the bitmap); nothing was released", e.getMessage());
        assertEquals(before, t.cma.debugfs());
        assertEquals(8, t.pages.takenPages(), "no page went back to the allocator");
    }

    @Test
    void doubleReleaseIsRefused() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        long p = t.cma.alloc(3, 0, false);
        assertTrue(t.cma.release(p, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.cma.release(p, 3));
        assertTrue(e.getMessage().contains("pfn 0x40000 is not allocated"), e.getMessage());
        assertEquals(0, t.cma.used());
    }

    @Test
    void rangeRunningPastTheAreaEndIsTheKernelsVmBugOn() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        long p = t.cma.alloc(512, 0, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.cma.release(0x401ff, 2));
        assertEquals("cma_release: r: pfn 0x401ff + 2 pages runs past the area end 0x40200 (VM_BUG_ON in the"
            + " kernel); nothing was released", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.cma.release(0x401ff, Long.MAX_VALUE));
        assertEquals(512, t.cma.used());
        assertTrue(t.cma.release(p, 512));
    }

    @Test
    void negativeCountIsRefused() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        t.cma.alloc(1, 0, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.cma.release(0x40000, -1));
        assertEquals("cma_release: r: pfn 0x40000 count -1: the page count must not be negative", e.getMessage());
        assertEquals(1, t.cma.used());
    }

    @Test
    void anAllocatorRefusingTheFreeLeavesTheBitsSet() {
        TestAreas t = new TestAreas("r", 0x40000, 512, 0);
        long p = t.cma.alloc(4, 0, false);
        t.pages.freeContigRange(p, 4); // someone freed the pages behind CMA's back
        assertThrows(IllegalArgumentException.class, () -> t.cma.release(p, 4));
        assertEquals(4, t.cma.used());
    }

    @Test
    void anAreaNotYetActivatedOwnsNothingToRelease() {
        CmaGlobals g = new CmaGlobals(new org.dmasim.api.platform.BootLog());
        Cma early = new Cma("early", 0x40000, 512, 0, g);
        assertEquals(-1, early.alloc(1, 0, false), "cma_alloc before activation: no bitmap, NULL");
        assertEquals(1, g.allocFail.get());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> early.release(0x40000, 1));
        assertEquals("cma_release: early: pfn 0x40000 count 1: the area is not activated, nothing can be allocated"
            + " from it", e.getMessage());
        assertFalse(early.release(0x50000, 1));
    }

    @Test
    void releaseWithOrderPerBitClearsWholeBits() {
        TestAreas t = new TestAreas("opb", 0x40000, 512, 2);
        long p = t.cma.alloc(5, 0, false);
        assertEquals(8, t.cma.used());
        assertTrue(t.cma.release(p, 5));
        assertEquals(0, t.cma.used());
        assertEquals(0, t.pages.takenPages());
    }
}
