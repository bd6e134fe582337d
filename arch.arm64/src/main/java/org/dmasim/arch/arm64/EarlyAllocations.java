package org.dmasim.arch.arm64;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.platform.InvalidInputException;

/**
 * The memblock allocations arm64 Linux 6.1 makes between the reserved-memory scan and
 * {@code mem_init()}, in kernel order, each derived from the kernel's rules and the build's
 * structure sizes ({@link KernelStructs}), none calibrated. They matter because the default CMA
 * area and the swiotlb buffer are placed top-down below them: when RAM ends below the DMA limit,
 * a few pages more or less here move CMA by 2 MiB and swiotlb by as many pages.
 *
 * <ol>
 * <li>{@code setup_arch()}: {@code paging_init()} ({@link PagingInit}: kernel, linear and
 * identity map tables), {@code unflatten_device_tree()} ({@link UnflattenedTree}), then
 * {@code bootmem_init()} ({@link BootmemInit}: numa_distance, NODE_DATA, the sparse memmap and
 * its tables); the default CMA area follows.</li>
 * <li>After CMA: {@code request_standard_resources()} (one {@code struct resource} per memblock
 * memory region), then {@code start_kernel()}'s {@code setup_command_line()} (two copies of the
 * command line, each its length + 1), {@code setup_per_cpu_areas()} ({@link PerCpuFirstChunk}),
 * {@code setup_log_buf()} ({@link LogBuf}) and the VFS hash tables (the platform's), then
 * {@code mem_init()}'s swiotlb.</li>
 * </ol>
 *
 * <p>Not modelled: {@code memblock_double_array()} (a board with more than 128 memory or
 * reserved regions grows the arrays from memblock), KFENCE's pool (Debian's arm64 kernel is built
 * without KFENCE), NUMA trees with {@code numa-node-id} (dmasim models one node).
 */
final class EarlyAllocations {
    private EarlyAllocations() {
    }

    /** {@code paging_init()}. */
    static void pagingInit(BootContext ctx, KernelImage image) {
        PagingInit.run(ctx.memblock(), image);
    }

    /** {@code unflatten_device_tree()}'s own allocations. */
    static void unflattenDeviceTree(BootContext ctx) {
        ctx.deviceTree().ifPresent(dt -> UnflattenedTree.run(ctx.memblock(), dt, !ctx.spec().cmdline().raw().isEmpty(),
            !ctx.spec().memOverride().isEmpty()));
    }

    /** {@code bootmem_init()} up to {@code sparse_init()}. */
    static void bootmemInit(BootContext ctx) {
        BootmemInit.run(ctx.memblock());
    }

    /** From the end of {@code setup_arch()} to {@code setup_per_cpu_areas()}. */
    static void afterContiguous(BootContext ctx) {
        Memblock mb = ctx.memblock();
        mustAlloc(mb, mb.memory().size() * KernelStructs.RESOURCE, Memblock.SMP_CACHE_BYTES, "standard resources");
        long cmdline = ctx.spec().cmdline().raw().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1L;
        mustAlloc(mb, cmdline, Memblock.SMP_CACHE_BYTES, "saved_command_line");
        mustAlloc(mb, cmdline, Memblock.SMP_CACHE_BYTES, "static_command_line");
        PerCpuFirstChunk.run(mb, ctx.spec().possibleCpus(), ctx.log());
    }

    static long mustAlloc(Memblock mb, long size, long align, String what) {
        long at = mb.allocTryNid(size, align, 0, Memblock.ALLOC_ACCESSIBLE);
        if (at == 0) {
            throw new InvalidInputException(String.format(
                "early boot: out of memory allocating %d bytes for the %s (RAM too small for Linux to boot)",
                size, what));
        }
        return at;
    }
}
