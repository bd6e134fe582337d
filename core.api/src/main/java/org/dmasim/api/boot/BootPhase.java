package org.dmasim.api.boot;

/**
 * The steps of early boot that shape DMA memory, named after the kernel code that runs them.
 * The architecture decides their order ({@link ArchSupport#bootOrder()}): x86_64 reserves
 * its default CMA area before it sizes the zones, arm64 after.
 */
public enum BootPhase {
    /** Firmware memory into memblock, {@code mem=}, kernel image and fixed reservations. */
    MEMBLOCK,
    /** {@code early_init_fdt_scan_reserved_mem()}: /memreserve/ and /reserved-memory. */
    RESERVED_MEM,
    /** Early page tables and the sparse memmap ({@code paging_init}, {@code sparse_init}). */
    EARLY_ALLOC,
    /**
     * {@code unflatten_device_tree()} (arm64, after {@code paging_init}): the tree's memory, and
     * from 6.12 on, first, the set-up of the statically placed {@code /reserved-memory} regions
     * ({@code fdt_scan_reserved_mem_reg_nodes}).
     */
    UNFLATTEN_DT,
    /**
     * {@code free_area_init()}: zone spans, the "Zone ranges:" block (on arm64 after the rest of
     * {@code bootmem_init()}: NUMA, the sparse memmap and the zone limits).
     */
    FREE_AREA_INIT,
    /** {@code dma_contiguous_reserve()}: the default CMA area. */
    CONTIGUOUS,
    /** Per-CPU areas and other memblock users between setup_arch and mm_init. */
    PERCPU,
    /** {@code build_all_zonelists()}: "Built 1 zonelists ...". */
    ZONELISTS,
    /** {@code pr_notice("Kernel command line: ...")} and parameter checks. */
    CMDLINE,
    /** {@code swiotlb_init()} from {@code mem_init()}. */
    SWIOTLB_INIT,
    /** {@code memblock_free_all()}: free memory to the buddy allocator; the "Memory:" line. */
    FREE_ALL,
    /** core_initcall {@code cma_init_reserved_areas()}. */
    CMA_ACTIVATE,
    /** postcore_initcall {@code dma_atomic_pool_init()}. */
    ATOMIC_POOLS,
    /** subsys_initcall {@code iommu_subsys_init()}: default domain lines. */
    IOMMU_SUBSYS,
    /** rootfs_initcall {@code pci_iommu_init()} (x86_64): late swiotlb report or teardown. */
    PCI_IOMMU_INIT,
    /**
     * device_initcall time: devices described by the firmware are created and configured for
     * DMA ({@code of_platform_default_populate}, {@code of_dma_configure}, reserved-memory
     * assignment); run-time DMA services are published.
     */
    DEVICES,
    /** {@code free_initmem()} after the initcalls: the kernel image's init sections are freed. */
    FREE_INITMEM
}
