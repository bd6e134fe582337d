package org.dmasim.arch.arm64;

/**
 * Sizes of the kernel structures that early boot allocates from memblock, for Debian 12's arm64
 * build of Linux 6.1 ({@code linux-image-6.1.0-50-arm64}, 6.1.176). They are facts of that
 * build, not of the source alone (they depend on its configuration: NUMA with NODES_SHIFT 4,
 * MEMCG, OF_KOBJ, ...), so they were read from the build itself: the BTF type information the
 * Image carries ({@code .BTF}, what {@code /sys/kernel/btf/vmlinux} shows), struct by struct.
 */
final class KernelStructs {
    /** {@code sizeof(pg_data_t)}: NODE_DATA, one per node. */
    static final long PGLIST_DATA = 11392;
    /** {@code sizeof(struct device_node)} of the unflattened device tree. */
    static final long DEVICE_NODE = 208;
    /** {@code sizeof(struct property)}. */
    static final long PROPERTY = 96;
    /** {@code sizeof(struct alias_prop)}: one per usable /aliases entry. */
    static final long ALIAS_PROP = 40;
    /** {@code sizeof(struct mem_section)}: SECTIONS_PER_ROOT = PAGE_SIZE / 32 = 128. */
    static final long MEM_SECTION = 32;
    /**
     * {@code sizeof(struct mem_section_usage)} without the pageblock flags: the subsection
     * bitmap (8 bytes) and the {@code rcu_head} the 6.1 stable series added (16 bytes).
     */
    static final long MEM_SECTION_USAGE = 24;
    /** {@code sizeof(struct resource)}: request_standard_resources(), one per memblock region. */
    static final long RESOURCE = 64;
    /** {@code sizeof(struct pcpu_alloc_info)} (without its groups). */
    static final long PCPU_ALLOC_INFO = 64;
    /** {@code sizeof(struct pcpu_group_info)}. */
    static final long PCPU_GROUP_INFO = 24;
    /** {@code sizeof(struct pcpu_chunk)} (without its populated bitmap). */
    static final long PCPU_CHUNK = 136;
    /** {@code sizeof(struct pcpu_block_md)}: one per page of a chunk. */
    static final long PCPU_BLOCK_MD = 32;
    /** {@code sizeof(struct list_head)}: one per percpu chunk slot. */
    static final long LIST_HEAD = 16;
    /** {@code sizeof(struct prb_desc)} and {@code sizeof(struct printk_info)}: printk ring descriptors. */
    static final long PRB_DESC = 24;
    static final long PRINTK_INFO = 88;
    /**
     * {@code __per_cpu_end - __per_cpu_start}: the static per-CPU data, the size of the Image's
     * {@code .data..percpu} section.
     */
    static final long PERCPU_STATIC = 87208;

    private KernelStructs() {
    }
}
