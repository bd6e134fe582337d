package org.dmasim.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.dmasim.api.boot.KernelVirtualLayout;
import org.junit.jupiter.api.Test;

/** The x86_64 6.1 kernel virtual layout with 4-level paging and nokaslr: fixed bases. */
class X86VirtualLayoutTest {
    @Test
    void basesAreTheFourLevelDefaultsWhateverTheRam() {
        X86Arch arch = new X86Arch();
        for (long start : new long[] {0x1000L, 0x100000000L}) {
            KernelVirtualLayout l = arch.virtualLayout(start);
            assertEquals(0xffff888000000000L, l.pageOffset());
            assertEquals(0L, l.physOffset(), "the linear map always starts at physical 0");
            assertEquals(0xffffc90000000000L, l.vmallocStart());
            assertEquals(0xffffe8ffffffffffL, l.vmallocEnd());
            assertEquals(0xffffea0000000000L, l.vmemmap());
        }
    }
}
