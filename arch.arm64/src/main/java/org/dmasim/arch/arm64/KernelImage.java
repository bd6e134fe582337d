package org.dmasim.arch.arm64;

import org.dmasim.api.boot.Memblock;
import org.dmasim.api.platform.InvalidInputException;

/**
 * Where QEMU's virt machine loads the kernel and the DTB on a direct kernel boot, and how much
 * the kernel reserves for itself. QEMU puts the Image 2 MiB above the start of RAM and the DTB
 * 128 MiB above it, keeping a 1 MiB blob; the image size is Debian 6.1's {@code _stext.._end}
 * as calibrated from the oracle's {@code Memory:} lines (RAM minus reserved at 0 GiB).
 */
record KernelImage(long base, long size, long dtbBase) {
    static final long TEXT_OFFSET = 2L << 20;
    static final long IMAGE_SIZE = 0x2020000L;
    static final long DTB_OFFSET = 128L << 20;
    static final long DTB_SIZE = 1L << 20;
    /** __init_begin..__init_end of Debian's 6.1 arm64 image ("Freeing unused kernel memory: 6464K"). */
    static final long INIT_SIZE = 6464L << 10;
    /** Where the init sections start inside the image (after text and rodata). */
    static final long INIT_OFFSET = 0x1800000L;

    static KernelImage place(Memblock mb) {
        long start = mb.startOfDram();
        long base = start + TEXT_OFFSET;
        long dtb = start + DTB_OFFSET;
        if (!mb.isMemory(dtb) || !mb.isMemory(dtb + DTB_SIZE - 1)) {
            // Small boards: QEMU puts the blob right after the image instead.
            dtb = base + IMAGE_SIZE + (2L << 20);
        }
        return new KernelImage(base, IMAGE_SIZE, dtb);
    }

    /** The kernel cannot boot without room for its image, its DTB and the early allocations. */
    void checkFits(Memblock mb, String memParam) {
        long need = base + size + (64L << 20);
        if (!mb.isMemory(base) || !mb.isMemory(base + size - 1) || Long.compareUnsigned(mb.endOfDram(), need) < 0) {
            String what = memParam != null ? "mem=" + memParam : "RAM";
            throw new InvalidInputException(String.format("%s: RAM [%#x-%#x) cannot hold the kernel image at %#x"
                + " (%d MiB) plus its early allocations (at least %d MiB of RAM from the start of DRAM are needed);"
                + " Linux 6.1 would not boot", what, mb.startOfDram(), mb.endOfDram(), base, size >>> 20,
                (need - mb.startOfDram()) >>> 20));
        }
    }

    /** {@code free_initmem()}: the init sections go to the buddy allocator. */
    void freeInitmem(org.dmasim.api.boot.BootContext ctx) {
        ctx.get(org.dmasim.api.mm.PageAllocator.class).ifPresent(buddy -> {
            long start = (base + INIT_OFFSET) >>> 12;
            buddy.freeBootMemory(start, start + (INIT_SIZE >>> 12));
            ctx.log().info("Freeing unused kernel memory: " + (INIT_SIZE >>> 10) + "K");
        });
    }

    void reserveDtb(Memblock mb) {
        if (mb.isMemory(dtbBase)) {
            mb.reserve(dtbBase, DTB_SIZE);
        }
    }
}
