package org.dmasim.swiotlb;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * What {@code kernel/dma/swiotlb.c} shows differently per kernel version at run time: one object
 * per version, picked by the platform's kernel ({@link #of}).
 *
 * <p>The slot allocator itself is the same in both for what dma-direct asks of it (streaming maps
 * pass no {@code alloc_align_mask}): 6.1.y carries the alignment rework of 6.9 as stable fixes,
 * and the 6.12 oracle's slot numbers, cursor values and failures equal 6.1's. Its debugfs differs:
 * <ul>
 * <li>6.1: {@code swiotlb/io_tlb_nslabs} and {@code swiotlb/io_tlb_used}; a restricted pool's
 *     {@code io_tlb_used} reads the default pool's count ({@code io_tlb_used_get} ignores its
 *     data).</li>
 * <li>6.12 (from 6.6): each pool's {@code io_tlb_used} is its own ({@code mem_used(mem)}), and an
 *     {@code io_tlb_used_hiwater} file beside it keeps the most slots ever in use at once.</li>
 * </ul>
 * Not modelled because Debian's kernels do not build them: 6.12's dynamic pools
 * ({@code SWIOTLB_DYNAMIC=n}); nor the pre-padding slots of 6.10, which only an
 * {@code alloc_align_mask} (the IOMMU's bounce path) brings into play.
 */
abstract class SwiotlbKernel {
    private static final ByKernel<SwiotlbKernel> BY_VERSION = ByKernel.of("swiotlb", Map.of(
        "6.1", new SwiotlbKernel() {
            @Override
            boolean countsTotalUsed() {
                return false;
            }

            @Override
            void debugfs(Map<String, String> files, IoTlbMem defaultPool, List<IoTlbMem> restricted) {
                long defaultUsed = defaultPool.used();
                if (defaultPool.nslabs() > 0) {
                    files.put("swiotlb/io_tlb_nslabs", Long.toString(defaultPool.nslabs()));
                    files.put("swiotlb/io_tlb_used", Long.toString(defaultUsed));
                }
                for (IoTlbMem r : restricted) {
                    files.put(r.name() + "/io_tlb_nslabs", Long.toString(r.nslabs()));
                    files.put(r.name() + "/io_tlb_used", Long.toString(defaultUsed));
                }
            }
        },
        "6.12", new SwiotlbKernel() {
            @Override
            boolean countsTotalUsed() {
                return true;
            }

            @Override
            void debugfs(Map<String, String> files, IoTlbMem defaultPool, List<IoTlbMem> restricted) {
                own(files, "swiotlb", defaultPool);
                for (IoTlbMem r : restricted) {
                    own(files, r.name(), r);
                }
            }

            private void own(Map<String, String> files, String dir, IoTlbMem pool) {
                if (pool.nslabs() > 0) {
                    files.put(dir + "/io_tlb_nslabs", Long.toString(pool.nslabs()));
                    files.put(dir + "/io_tlb_used", Long.toString(pool.used()));
                    files.put(dir + "/io_tlb_used_hiwater", Long.toString(pool.usedHiwater()));
                }
            }
        }));

    static SwiotlbKernel of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    /**
     * Whether slot finds and releases also keep a pool-wide {@code total_used} and
     * {@code used_hiwater} (6.6+ with CONFIG_DEBUG_FS, atomics every mapping touches); 6.1's
     * {@code mem_used()} sums the areas' {@code used} counts without their locks instead, and the
     * mapping path shares nothing between areas.
     */
    abstract boolean countsTotalUsed();

    /**
     * The files of {@code /sys/kernel/debug} this kernel's swiotlb makes, path to content: the
     * default pool's directory when it has slots, and a directory per restricted pool set up (at
     * the debugfs root: a pool set up while devices are made during boot comes before the
     * late_initcall that makes {@code swiotlb/}).
     */
    abstract void debugfs(Map<String, String> files, IoTlbMem defaultPool, List<IoTlbMem> restricted);
}
