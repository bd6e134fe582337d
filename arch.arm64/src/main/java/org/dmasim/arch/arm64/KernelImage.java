package org.dmasim.arch.arm64;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.BootLoader;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformConfig;

/**
 * Debian's arm64 kernel Image and where a boot loader puts it and the device-tree blob.
 *
 * <p>The Image: its header says {@code text_offset} 0, {@code image_size} 0x2010000 (the bytes
 * from {@code _text} to {@code _end}, BSS included) and flags 0xa (4 KiB pages; bit 3: the 2 MiB
 * aligned base may be anywhere in physical memory). Its kallsyms give the section boundaries
 * that decide which 2 MiB blocks of the kernel mapping need page tables: {@code _stext} one
 * SEGMENT_ALIGN (64 KiB) after {@code _text}, {@code _etext} at +0xd00000, {@code __init_begin}
 * at +0x1660000, {@code _einittext} at +0x16d5da8 (so {@code __inittext_end}, after .exit.text
 * and .altinstructions, stays in that 2 MiB block). The init sections are 6464 KiB ("Freeing
 * unused kernel memory: 6464K" in the reference boots), so {@code __init_end} is at +0x1cb0000.
 * The kernel reserves {@code [_stext, _end)} (arm64_memblock_init); the 64 KiB head before it is
 * free memory.
 *
 * <p>Placement (Documentation/arm64/booting.rst): the Image must sit {@code text_offset} bytes
 * above a 2 MiB aligned base in usable RAM, with {@code image_size} bytes free from its start.
 * QEMU loads it at the start of RAM + 2 MiB (its boot stub occupies the first page, so it adds
 * 2 MiB to a text_offset below 4 KiB); a board's boot loader must also keep clear of memory the
 * firmware owns. dmasim starts at QEMU's address and moves on to the next 2 MiB boundary while
 * the Image would overlap a {@code /reserved-memory} region with a {@code reg} (no-map or not)
 * or a {@code /memreserve/} entry, or leave RAM; {@code kernel.base} overrides it.
 *
 * <p>The blob: QEMU puts it where an initrd would go, at the start of RAM + min(RAM / 2, 128 MiB)
 * (past the Image's file if that reaches further), page aligned, then 2 MiB aligned; dmasim
 * moves it past reserved regions the same way; {@code dtb.base} overrides it. The kernel reserves
 * the blob's {@code totalsize} ({@code setup_machine_fdt}): 1 MiB for the tree QEMU's virt machine
 * builds, the file size for most loaders, (file size + 10000) × 2 for QEMU's {@code -dtb}.
 */
record KernelImage(long base, long dtbBase, long dtbSize) {
    static final long TEXT_OFFSET = 0;
    static final long IMAGE_SIZE = 0x2010000L;
    /** The Image file's length: what QEMU copies, so where it may put an initrd or the blob. */
    static final long IMAGE_FILE_SIZE = 32956352L;
    static final long STEXT = 0x10000L;
    static final long ETEXT = 0xd00000L;
    static final long INIT_BEGIN = 0x1660000L;
    /** {@code __inittext_end}: past {@code _einittext} (+0x16d5da8), inside the same 2 MiB block. */
    static final long INITTEXT_END = 0x1700000L;
    /** __init_begin..__init_end ("Freeing unused kernel memory: 6464K"). */
    static final long INIT_SIZE = 6464L << 10;
    static final long INIT_END = INIT_BEGIN + INIT_SIZE;
    static final long MIN_KIMG_ALIGN = 2L << 20;
    /** QEMU's loader: a text_offset below its 4 KiB boot stub is moved up by 2 MiB. */
    static final long QEMU_IMAGE_OFFSET = 2L << 20;
    static final long QEMU_DTB_MAX_OFFSET = 128L << 20;
    static final long PAGE = 4096;

    /** A range the loader must not overwrite: a reserved-memory region or a /memreserve/ entry. */
    record Taken(String name, long base, long end) {
    }

    /** Places the Image and the blob and says where and why. */
    static KernelImage place(Memblock mb, BootLoader loader, Optional<DeviceTree> dt, org.dmasim.api.platform.BootLog log) {
        List<Taken> taken = dt.map(KernelImage::takenRanges).orElse(List.of());
        long ramStart = mb.startOfDram();
        long base;
        String why;
        if (loader.kernelBase().isPresent()) {
            base = loader.kernelBase().getAsLong();
            if ((base - TEXT_OFFSET) % MIN_KIMG_ALIGN != 0) {
                throw new InvalidInputException(String.format("%s = %#x: the Image must sit text_offset (%d) bytes above a"
                    + " 2 MiB aligned base (Documentation/arm64/booting.rst)", PlatformConfig.KERNEL_BASE, base,
                    TEXT_OFFSET));
            }
            why = "given by " + PlatformConfig.KERNEL_BASE;
        } else {
            long first = alignUp(ramStart, MIN_KIMG_ALIGN) + QEMU_IMAGE_OFFSET + TEXT_OFFSET;
            base = firstClear(mb, taken, first, IMAGE_SIZE);
            if (base == -1) {
                throw new InvalidInputException(String.format("device tree %s: no 2 MiB aligned range of %d MiB in RAM"
                    + " clear of reserved regions for the kernel Image (give %s)", dt.map(DeviceTree::source).orElse(""),
                    IMAGE_SIZE >>> 20, PlatformConfig.KERNEL_BASE));
            }
            why = base == first ? "start of RAM + 2 MiB, where QEMU's loader puts it"
                : String.format("start of RAM + 2 MiB overlaps %s, so the first 2 MiB boundary clear of reserved"
                    + " regions", describe(overlap(taken, first, IMAGE_SIZE).orElse(null), mb, first));
        }
        long dtb;
        String dtbWhy;
        if (loader.dtbBase().isPresent()) {
            dtb = loader.dtbBase().getAsLong();
            dtbWhy = ", " + PlatformConfig.DTB_BASE;
        } else {
            long ramSize = mb.memory().isEmpty() ? 0 : bankAt(mb, ramStart);
            long initrd = Math.max(ramStart + Math.min(ramSize / 2, QEMU_DTB_MAX_OFFSET),
                alignUp(base + IMAGE_FILE_SIZE, PAGE));
            dtb = alignUp(initrd, MIN_KIMG_ALIGN);
            List<Taken> withImage = new ArrayList<>(taken);
            withImage.add(new Taken("the kernel Image", base, base + IMAGE_SIZE));
            long clear = firstClear(mb, withImage, dtb, Math.max(loader.dtbSize(), 1));
            dtb = clear == -1 ? dtb : clear;
            dtbWhy = "";
        }
        log.dmasim(String.format("kernel Image at [mem %#x-%#x]: %s; device tree blob at [mem %#x-%#x]: %d bytes (%s%s)",
            base, base + IMAGE_SIZE - 1, why, dtb, dtb + Math.max(loader.dtbSize(), 1) - 1, loader.dtbSize(),
            loader.dtbSizeRule(), dtbWhy));
        return new KernelImage(base, dtb, loader.dtbSize());
    }

    /** The lowest 2 MiB aligned base from {@code from} whose range is RAM and clear of {@code taken}; -1 if none. */
    static long firstClear(Memblock mb, List<Taken> taken, long from, long size) {
        long at = alignUp(from - TEXT_OFFSET, MIN_KIMG_ALIGN) + TEXT_OFFSET;
        for (int guard = 0; guard < 1 << 20; guard++) {
            Optional<Taken> t = overlap(taken, at, size);
            if (t.isPresent()) {
                at = alignUp(t.get().end() - TEXT_OFFSET, MIN_KIMG_ALIGN) + TEXT_OFFSET;
                continue;
            }
            Optional<Memblock.Region> bank = regionFrom(mb, at);
            if (bank.isEmpty()) {
                return -1;
            }
            if (Long.compareUnsigned(bank.get().base(), at) > 0) {
                at = alignUp(bank.get().base() - TEXT_OFFSET, MIN_KIMG_ALIGN) + TEXT_OFFSET;
                continue;
            }
            if (Long.compareUnsigned(at + size, bank.get().end()) > 0) {
                at = alignUp(bank.get().end() - TEXT_OFFSET, MIN_KIMG_ALIGN) + TEXT_OFFSET;
                continue;
            }
            return at;
        }
        return -1;
    }

    /** The memory region containing {@code at}, or else the first one above it. */
    private static Optional<Memblock.Region> regionFrom(Memblock mb, long at) {
        for (Memblock.Region r : mb.memory()) {
            if (Long.compareUnsigned(r.end(), at) > 0) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static long bankAt(Memblock mb, long addr) {
        long end = addr;
        for (Memblock.Region r : mb.memory()) {
            if (r.base() == end) {
                end = r.end();
            }
        }
        return end - addr;
    }

    private static Optional<Taken> overlap(List<Taken> taken, long base, long size) {
        for (Taken t : taken) {
            if (Long.compareUnsigned(t.base(), base + size) < 0 && Long.compareUnsigned(base, t.end()) < 0) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    private static String describe(Taken t, Memblock mb, long at) {
        if (t != null) {
            return String.format("%s [mem %#x-%#x]", t.name(), t.base(), t.end() - 1);
        }
        return String.format("the end of RAM (%#x)", mb.endOfDram());
    }

    /** The tree's static reservations: /memreserve/ entries and /reserved-memory children with a reg. */
    static List<Taken> takenRanges(DeviceTree dt) {
        List<Taken> out = new ArrayList<>();
        for (DeviceTree.MemReserve r : dt.memReserves()) {
            if (r.size() != 0) {
                out.add(new Taken("/memreserve/ entry", r.address(), Memblock.cappedEnd(r.address(), r.size())));
            }
        }
        Optional<DtNode> rm = dt.find("/reserved-memory");
        if (rm.isPresent()) {
            int ac = dt.root().addressCells();
            int sc = dt.root().sizeCells();
            for (DtNode c : rm.get().children()) {
                Optional<DtProperty> reg = c.property("reg");
                if (!c.isAvailable() || reg.isEmpty() || ac + sc == 0 || reg.get().length() % ((ac + sc) * 4) != 0) {
                    continue;
                }
                for (long[] e : DtNode.entries(reg.get(), ac, sc)) {
                    if (e[1] != 0) {
                        out.add(new Taken((c.has("no-map") ? "no-map region " : "reserved region ") + c.name(), e[0],
                            Memblock.cappedEnd(e[0], e[1])));
                    }
                }
            }
        }
        return out;
    }

    static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    /** arm64_memblock_init(): {@code memblock_reserve(_stext, _end - _stext)}. */
    void reserve(Memblock mb) {
        mb.reserve(base + STEXT, IMAGE_SIZE - STEXT);
    }

    /**
     * The kernel cannot boot without room for its image, its DTB and the early allocations. The
     * message names what the user would change: a {@code kernel.base} that put the Image
     * outside RAM, {@code mem=}, or else the RAM itself.
     */
    void checkFits(Memblock mb, String memParam, BootLoader loader) {
        long need = base + IMAGE_SIZE + (64L << 20);
        boolean inRam = mb.isMemory(base) && mb.isMemory(base + IMAGE_SIZE - 1);
        if (!inRam || Long.compareUnsigned(mb.endOfDram(), need) < 0) {
            String what = !inRam && loader.kernelBase().isPresent()
                ? String.format("%s = %#x", PlatformConfig.KERNEL_BASE, base)
                : memParam != null ? "mem=" + memParam : "RAM";
            throw new InvalidInputException(String.format("%s: RAM [%#x-%#x) cannot hold the kernel image at %#x"
                + " (%d MiB) plus its early allocations (at least %d MiB of RAM from the start of DRAM are needed);"
                + " Linux would not boot", what, mb.startOfDram(), mb.endOfDram(), base, IMAGE_SIZE >>> 20,
                (need - mb.startOfDram()) >>> 20));
        }
    }

    /** {@code free_initmem()}: the init sections go to the buddy allocator. */
    void freeInitmem(BootContext ctx) {
        ctx.get(org.dmasim.api.mm.PageAllocator.class).ifPresent(buddy -> {
            long start = (base + INIT_BEGIN) >>> 12;
            buddy.freeBootMemory(start, start + (INIT_SIZE >>> 12));
            ctx.log().info("Freeing unused kernel memory: " + (INIT_SIZE >>> 10) + "K");
        });
    }

    /** {@code setup_machine_fdt()}: the blob's totalsize, where it lies in RAM. */
    void reserveDtb(Memblock mb) {
        if (dtbSize > 0 && mb.isMemory(dtbBase)) {
            mb.reserve(dtbBase, dtbSize);
        }
    }
}
