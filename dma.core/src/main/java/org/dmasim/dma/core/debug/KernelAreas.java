package org.dmasim.dma.core.debug;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Arch;

/**
 * The kinds of kernel virtual address DMA-API debug tells apart, and {@code current}'s stack.
 *
 * <ul>
 * <li><b>Linear map</b> ({@code virt_addr_valid}): arm64 accepts a linear-map address whose page
 *     is memory the kernel maps ({@code pfn_is_map_memory}: a memblock.memory region without
 *     NOMAP); x86_64 one whose pfn is valid ({@code pfn_valid}: boot memory makes every pfn of
 *     its 128 MiB section valid), and the kernel image's own mapping too.</li>
 * <li><b>vmalloc</b> ({@code is_vmalloc_addr}): arm64's starts at the kernel image
 *     (KIMAGE_VADDR = VMALLOC_START = 0xffff800008000000), so the image's text and rodata are
 *     vmalloc addresses there.</li>
 * <li><b>The kernel image</b> on x86_64: {@code __START_KERNEL_map} (0xffffffff80000000), 1 GiB
 *     ({@code KERNEL_IMAGE_SIZE} with RANDOMIZE_BASE). Its mapping is not simulated.</li>
 * <li><b>{@code current->stack}</b>: one per thread that asks for it (the task a thread stands
 *     for), {@code THREAD_SIZE} = 16 KiB (arm64 THREAD_SHIFT 14, x86_64 THREAD_SIZE_ORDER 2,
 *     without KASAN) of zeroed pages from the page allocator; with {@code VMAP_STACK=y} mapped
 *     in vmalloc space, else used through the linear map. dmasim takes the four pages as one
 *     order-2 block (vmalloc takes them one by one; where they lie does not change the check) and
 *     does not align the vmalloc mapping to THREAD_ALIGN. A stack lives as long as the platform.</li>
 * </ul>
 *
 * <p>{@code check_for_illegal_area} (text or rodata) is not among these checks: it compares
 * {@code page_address(page) + offset}, a linear-map address, with {@code [_stext, _etext)} and
 * {@code [__start_rodata, __end_rodata)}, which on arm64 and x86_64 are addresses of the kernel
 * image's own mapping, never linear ones, so Linux 6.1 never prints it on these architectures.
 */
public final class KernelAreas {
    static final long THREAD_SIZE = 16 * 1024;
    static final int THREAD_SIZE_ORDER = 2;
    static final long X86_START_KERNEL_MAP = 0xffffffff80000000L;
    static final long X86_KERNEL_IMAGE_SIZE = 1L << 30;

    /** One task's stack: its address, its first page, and whether it is a vmalloc mapping. */
    record TaskStack(long base, long firstPfn, boolean vmapped) {
    }

    private final Arch arch;
    private final KernelVm vm;
    private final List<Memblock.Region> memory;
    private final PageAllocator buddy;
    private final boolean vmapStack;
    private final Map<Thread, TaskStack> stacks = new ConcurrentHashMap<>();
    private volatile boolean anyStack;

    public KernelAreas(Arch arch, KernelVm vm, List<Memblock.Region> memory, PageAllocator buddy, boolean vmapStack) {
        this.arch = arch;
        this.vm = vm;
        this.memory = List.copyOf(memory);
        this.buddy = buddy;
        this.vmapStack = vmapStack;
    }

    /** {@code virt_addr_valid(kva)}. */
    public boolean virtAddrValid(long kva) {
        if (!vm.isLinear(kva)) {
            return false;
        }
        long phys = vm.toPhys(kva);
        if (arch == Arch.ARM64) {
            return isMapMemory(phys);
        }
        long section = phys >>> Page.SECTION_SIZE_BITS;
        for (Memblock.Region r : memory) {
            if (r.size() > 0 && (r.base() >>> Page.SECTION_SIZE_BITS) <= section
                && section <= ((r.end() - 1) >>> Page.SECTION_SIZE_BITS)) {
                return true;
            }
        }
        return false;
    }

    /** {@code memblock_is_map_memory}: RAM without NOMAP. */
    private boolean isMapMemory(long phys) {
        for (Memblock.Region r : memory) {
            if (r.base() <= phys && phys < r.end()) {
                return (r.flags() & Memblock.NOMAP) == 0;
            }
        }
        return false;
    }

    /** {@code is_vmalloc_addr(kva)}. */
    public boolean isVmalloc(long kva) {
        return vm.isVmalloc(kva);
    }

    /** Whether {@code kva} lies in the x86_64 kernel image mapping, which dmasim does not simulate. */
    public boolean isUnsimulatedImage(long kva) {
        return arch == Arch.X86_64 && Long.compareUnsigned(kva - X86_START_KERNEL_MAP, X86_KERNEL_IMAGE_SIZE) < 0;
    }

    /**
     * The pfn behind a coherent buffer's CPU address as {@code debug_dma_alloc_coherent} finds it:
     * {@code vmalloc_to_pfn} for a vmalloc address ({@code page_to_pfn(NULL)} when nothing is
     * mapped there), {@code virt_to_page} for a linear one.
     */
    long pfnOfCpu(long kva) {
        if (vm.isVmalloc(kva)) {
            return vm.findVmArea(kva).map(a -> Page.pfnDown(a.phys() + (kva - a.addr())))
                .orElse(Long.divideUnsigned(-vm.pageStruct(0), Page.STRUCT_PAGE_SIZE));
        }
        return Page.pfnDown(vm.toPhys(kva));
    }

    /** {@code current->stack} of the calling thread, made on its first call. */
    public long taskStack() {
        return stacks.computeIfAbsent(Thread.currentThread(), t -> newStack()).base();
    }

    private TaskStack newStack() {
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, THREAD_SIZE_ORDER);
        if (pfn < 0) {
            throw new IllegalStateException("no memory for a kernel stack of " + THREAD_SIZE
                + " bytes (alloc_thread_stack_node failed)");
        }
        long phys = Page.pfnPhys(pfn);
        long base = vmapStack ? vm.vmap(phys, THREAD_SIZE, MemAttr.NORMAL, "alloc_thread_stack_node")
            : vm.linearAddress(phys);
        anyStack = true;
        return new TaskStack(base, pfn, vmapStack);
    }

    /**
     * {@code check_for_stack(dev, page, offset)}: the message when the page is on the calling
     * thread's stack, else null.
     */
    String stackMessage(long pfn, long offset) {
        if (!anyStack) {
            return null;
        }
        TaskStack s = stacks.get(Thread.currentThread());
        if (s == null) {
            return null;
        }
        if (s.vmapped()) {
            long i = pfn - s.firstPfn();
            if (i < 0 || i >= THREAD_SIZE >>> Page.PAGE_SHIFT) {
                return null;
            }
            return "device driver maps memory from stack [probable addr=" + DmaDebug.ptr(s.base() + i * Page.PAGE_SIZE
                + offset) + "]";
        }
        long addr;
        try {
            addr = vm.linearAddress(Page.pfnPhys(pfn)) + offset;
        } catch (IllegalArgumentException e) {
            return null; // no page_address: not a stack page
        }
        if (Long.compareUnsigned(addr - s.base(), THREAD_SIZE) < 0) {
            return "device driver maps memory from stack [addr=" + DmaDebug.ptr(addr) + "]";
        }
        return null;
    }
}
