package org.dmasim.api.mem;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The kernel virtual address space of one platform, as far as DMA needs it: the linear map
 * ({@code phys_to_virt}/{@code virt_to_phys}) and vmalloc-space aliases ({@code vmap}), each
 * with its memory type. CPU reads and writes go through here so that the alias decides the
 * path: a cacheable mapping ({@link MemAttr#cacheable()}) goes through the platform's
 * {@link CpuCache}, a non-cacheable one (MT_NORMAL_NC) straight to RAM.
 *
 * <p>arm64 (48-bit VA, 4 KiB pages, no KASLR): linear address = {@code PAGE_OFFSET}
 * 0xffff000000000000 + (phys - memstart_addr), memstart_addr being the start of DRAM rounded
 * down to 1 GiB; vmalloc from 0xffff800008000000. x86_64 (4-level paging, no KASLR):
 * {@code PAGE_OFFSET} 0xffff888000000000 + phys; vmalloc from 0xffffc90000000000.
 */
@ProviderType
public interface KernelVm {
    /** {@code phys_to_virt} / {@code page_address}: the linear-map address of phys. */
    long linearAddress(long phys);

    /** {@code virt_to_phys} for linear addresses, the mapped physical address for vmalloc ones. */
    long toPhys(long kva);

    boolean isLinear(long kva);

    /** {@code is_vmalloc_addr}. */
    boolean isVmalloc(long kva);

    /**
     * {@code vmap} of the contiguous range [phys, phys + size) with the given memory type: the
     * lowest free vmalloc address (page aligned) followed by a guard page.
     */
    long vmap(long phys, long size, MemAttr attr, String caller);

    /**
     * {@code vmap(pages, count, VM_MAP, prot)}: the 4 KiB pages {@code pfns}, in order, at one
     * range of kernel virtual addresses (the lowest free one, then a guard page).
     *
     * @since 1.2
     */
    long vmapPages(long[] pfns, MemAttr attr, String caller);

    /**
     * {@code vunmap}.
     *
     * @throws IllegalArgumentException when kva is not the start of a vmalloc area
     */
    void vunmap(long kva);

    Optional<VmArea> findVmArea(long kva);

    List<VmArea> vmAreas();

    /** The memory type of the mapping that translates kva. */
    MemAttr attr(long kva);

    /** A CPU load of len bytes through kva (the range must not leave its mapping). */
    void cpuRead(long kva, byte[] dst, int off, int len);

    /** A CPU store of len bytes through kva. */
    void cpuWrite(long kva, byte[] src, int off, int len);

    /** A CPU memset through kva. */
    void cpuFill(long kva, long len, byte value);

    default byte[] cpuRead(long kva, int len) {
        byte[] b = new byte[len];
        cpuRead(kva, b, 0, len);
        return b;
    }

    default void cpuWrite(long kva, byte[] src) {
        cpuWrite(kva, src, 0, src.length);
    }

    /**
     * The address of pfn's {@code struct page} in the vmemmap (what dma_alloc_attrs returns
     * as "CPU address" with DMA_ATTR_NO_KERNEL_MAPPING): arm64 0xfffffc0000000000 +
     * (pfn - memstart_pfn) * 64, x86_64 0xffffea0000000000 + pfn * 64.
     */
    long pageStruct(long pfn);

    /** The pfn whose {@code struct page} lives at addr, or -1. */
    long pageStructToPfn(long addr);

    /** The physical memory behind every mapping: RAM itself, below the CPU cache (see {@link CpuCache#ram()}). */
    PhysMemory memory();
}
