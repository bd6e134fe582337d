package org.dmasim.api.boot;

/**
 * Where an architecture's kernel puts the virtual addresses DMA code meets: the linear map, the
 * vmalloc space (where remapped coherent buffers live) and the {@code struct page} array. Each
 * architecture derives its layout from its own Linux 6.1 headers ({@link ArchSupport#virtualLayout});
 * the platform builds the kernel address space on it.
 *
 * @param pageOffset {@code PAGE_OFFSET}: the virtual address the linear map starts at
 * @param physOffset the physical address mapped at {@code PAGE_OFFSET} ({@code PHYS_OFFSET}:
 *     arm64 {@code memstart_addr}, x86_64 0), so {@code __va(p) = pageOffset + (p - physOffset)}
 * @param vmallocStart {@code VMALLOC_START}
 * @param vmallocEnd {@code VMALLOC_END} as the architecture defines it; {@code is_vmalloc_addr}
 *     accepts addresses below it
 * @param vmemmap {@code vmemmap}: the address of the {@code struct page} of pfn 0 (arm64 offsets
 *     it so that DRAM's first pfn lands on {@code VMEMMAP_START})
 */
public record KernelVirtualLayout(long pageOffset, long physOffset, long vmallocStart, long vmallocEnd,
    long vmemmap) {
    private static final long PAGE_MASK = (1L << 12) - 1;

    public KernelVirtualLayout {
        if (((pageOffset | physOffset | vmallocStart) & PAGE_MASK) != 0) {
            throw new IllegalArgumentException(String.format("kernel layout: PAGE_OFFSET %#x, PHYS_OFFSET %#x and"
                + " VMALLOC_START %#x must be page aligned", pageOffset, physOffset, vmallocStart));
        }
        if (Long.compareUnsigned(vmallocStart, vmallocEnd) >= 0) {
            throw new IllegalArgumentException(String.format(
                "kernel layout: VMALLOC_START %#x must lie below VMALLOC_END %#x", vmallocStart, vmallocEnd));
        }
    }
}
