/**
 * The four kinds of address the DMA API deals in, one spelling and one type each.
 *
 * <p>A driver holds addresses of four kinds that are all 64-bit numbers and that the kernel
 * keeps apart by type ({@code phys_addr_t}, {@code dma_addr_t}, pointers, {@code __user}
 * pointers). dmasim spells each one the same way everywhere in its API, and where one call takes
 * several of them (the streaming calls take a CPU address and give back a DMA address that a
 * later call takes again) it gives each kind its own type, so that passing one for another does
 * not compile:
 *
 * <table>
 * <caption>Address kinds</caption>
 * <tr><th>kind</th><th>kernel</th><th>spelling</th><th>type</th><th>what it is</th></tr>
 * <tr><td>CPU physical</td><td>{@code phys_addr_t phys}</td><td>{@code phys}</td>
 *     <td>{@link org.dmasim.api.addr.PhysAddr}</td>
 *     <td>where a byte lies in the platform's RAM (or MMIO space), as memblock, the buddy
 *     allocator and the CPU's page tables see it</td></tr>
 * <tr><td>DMA (bus)</td><td>{@code dma_addr_t dma_handle}</td><td>{@code dmaHandle}</td>
 *     <td>{@link org.dmasim.api.addr.DmaAddr}</td>
 *     <td>what a device puts on the bus: the physical address less the {@code dma-ranges}
 *     offset, a swiotlb bounce slot, or an IOVA behind an IOMMU. Only devices use it; the CPU
 *     never dereferences it. Compound names keep the {@code dma} prefix ({@code dmaStart},
 *     {@code dmaMask})</td></tr>
 * <tr><td>kernel virtual</td><td>{@code void *cpu_addr}</td><td>{@code cpuAddr}</td>
 *     <td>{@link org.dmasim.api.addr.CpuAddr}</td>
 *     <td>what the simulated CPU loads and stores through: a linear-map address
 *     ({@code page_address}), a vmalloc-space alias (a remapped coherent buffer), or the
 *     {@code struct page} cookie of DMA_ATTR_NO_KERNEL_MAPPING</td></tr>
 * <tr><td>user virtual</td><td>{@code void __user *} / {@code unsigned long uaddr}</td>
 *     <td>{@code userAddr}</td><td>{@link org.dmasim.api.addr.UserAddr}</td>
 *     <td>an address in a simulated process ({@code mmap} of a coherent buffer,
 *     {@code get_user_pages})</td></tr>
 * </table>
 *
 * <p>Page frame numbers ({@code pfn}) are physical addresses shifted by the page shift and keep
 * their kernel name. APIs that take a single kind of address, or none that could be confused
 * (the page allocator, memblock, the views), keep plain {@code long}s under the spellings above;
 * a {@code long} named {@code phys} is a CPU physical address wherever it appears.
 *
 * <p>The types are records of one {@code long}: on the hot paths the JIT removes them when they
 * do not escape, and a stored address costs one small object at most.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.dmasim.api.addr;
