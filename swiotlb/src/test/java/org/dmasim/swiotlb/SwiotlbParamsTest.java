package org.dmasim.swiotlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.KernelCmdline;
import org.junit.jupiter.api.Test;

/** setup_io_tlb_npages(): swiotlb=[<nslabs>][,<nareas>][,force|noforce] and the area rounding. */
class SwiotlbParamsTest {
    private final BootLog log = new BootLog();

    private SwiotlbParams parse(String cmdline) {
        return SwiotlbParams.parse(KernelCmdline.parse(cmdline), log);
    }

    @Test
    void withoutTheParameterThePoolIs64MiBAndAreasAreLeftToBoot() {
        SwiotlbParams p = parse("console=ttyS0");
        assertEquals(32768, p.nslabs, "IO_TLB_DEFAULT_SIZE 64 MiB in 2 KiB slots");
        assertEquals(0, p.nareas, "default_nareas stays 0 until swiotlb_init_remap");
        assertFalse(p.force);
        assertFalse(p.noforce);
        assertTrue(log.lines().isEmpty());
    }

    @Test
    void theSlotCountIsRoundedUpToAWholeSegment() {
        assertEquals(1024, parse("swiotlb=1000").nslabs);
        assertEquals(128, parse("swiotlb=1").nslabs);
        assertEquals(65536, parse("swiotlb=65536").nslabs);
        assertEquals(4096, parse("swiotlb=0x1000").nslabs, "simple_strtoul with base 0");
        assertTrue(log.lines().isEmpty(), "no message: the areas were not given");
    }

    @Test
    void areasRoundUpToAPowerOfTwoAndThenSoDoesTheSlotCount() {
        SwiotlbParams p = parse("swiotlb=3000,3");
        assertEquals(4, p.nareas);
        assertEquals(4096, p.nslabs, "3072 slots rounded up to a power of two once areas are set");
        assertEquals(List.of("software IO TLB: area num 4.",
            "software IO TLB: SWIOTLB bounce buffer size roundup to 8MB"), log.kernelText());
    }

    @Test
    void zeroAreasMeansOneAndAPowerOfTwoSlotCountStaysAsItIs() {
        SwiotlbParams p = parse("swiotlb=32768,0");
        assertEquals(1, p.nareas);
        assertEquals(32768, p.nslabs);
        assertEquals(List.of("software IO TLB: area num 1."), log.kernelText());
    }

    @Test
    void forceAndNoforceComeLastWithOrWithoutNumbers() {
        assertTrue(parse("swiotlb=force").force);
        assertTrue(parse("swiotlb=noforce").noforce);
        SwiotlbParams p = parse("swiotlb=2048,force");
        assertTrue(p.force);
        assertEquals(2048, p.nslabs);
        SwiotlbParams q = parse("swiotlb=2048,2,force");
        assertTrue(q.force);
        assertEquals(2, q.nareas);
    }

    @Test
    void somethingElseIsIgnoredAsTheKernelIgnoresItWithADmasimRemark() {
        SwiotlbParams p = parse("swiotlb=bounce");
        assertEquals(32768, p.nslabs);
        assertFalse(p.force);
        assertTrue(log.kernelText().isEmpty());
        assertEquals(1, log.lines().size());
        assertTrue(log.lines().get(0).text().contains("swiotlb=bounce: 'bounce' is not understood"),
            log.lines().get(0).text());
    }

    @Test
    void adjustingAreasLaterPrintsTheSameLines() {
        SwiotlbParams p = parse("");
        p.adjustNareas(3, log);
        assertEquals(4, p.nareas, "num_possible_cpus() rounded up");
        assertEquals(List.of("software IO TLB: area num 4."), log.kernelText(), "32768 slots are a power of two");
    }
}
