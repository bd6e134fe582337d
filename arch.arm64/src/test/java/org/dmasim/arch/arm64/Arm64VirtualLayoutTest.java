package org.dmasim.arch.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.dmasim.api.boot.KernelVirtualLayout;
import org.junit.jupiter.api.Test;

/**
 * The arm64 6.1 kernel virtual layout (48-bit VA, 4 KiB pages): the values the kernel's own
 * "Virtual kernel memory layout" arithmetic gives, and memstart_addr's 1 GiB rounding.
 */
class Arm64VirtualLayoutTest {
    private final Arm64Arch arch = new Arm64Arch();

    @Test
    void qemuVirtDramAt1GiBMapsToPageOffset() {
        KernelVirtualLayout l = arch.virtualLayout(0x40000000L);
        assertEquals(0xffff000000000000L, l.pageOffset());
        assertEquals(0x40000000L, l.physOffset());
        assertEquals(0xffff800008000000L, l.vmallocStart());
        assertEquals(0xfffffbfff0000000L, l.vmallocEnd());
        assertEquals(0xfffffc0000000000L - 0x40000L * 64, l.vmemmap(), "pfn 0x40000 lands on VMEMMAP_START");
    }

    @Test
    void memstartIsDramStartRoundedDownToOneGiB() {
        assertEquals(0x80000000L, arch.virtualLayout(0x80200000L).physOffset());
        assertEquals(0L, arch.virtualLayout(0x3f000000L).physOffset());
        assertEquals(0xfffffc0000000000L, arch.virtualLayout(0x1000L).vmemmap());
    }
}
