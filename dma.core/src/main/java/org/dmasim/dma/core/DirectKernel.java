package org.dmasim.dma.core;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * What dma-direct answers differently per kernel version, in one place, picked by the
 * platform's kernel. Adding a kernel is adding its entry in {@link #BY_KERNEL}.
 *
 * <p>{@code dma_addressing_limited()}: 6.1 compares the device's mask (or bus limit) with the
 * mask it would need for the highest RAM address, and nothing else. From 6.11 a device whose
 * {@code dma-ranges} leave some System RAM outside every window is limited too, whatever its mask
 * ({@code dma_direct_all_ram_mapped}, walking the RAM resources against the range map). 6.12.y
 * has the walk in the form its stable fix gave it: each pfn looks its window up afresh, so a
 * hole after a covered range ends the walk as "not all mapped". What it changes: such a device's
 * {@code dma_max_mapping_size} becomes swiotlb's segment limit.
 *
 * @param addressingLimitedWalksRam whether {@code dma_addressing_limited} also asks
 *     {@code dma_direct_all_ram_mapped}
 */
record DirectKernel(boolean addressingLimitedWalksRam) {
    private static final ByKernel<DirectKernel> BY_KERNEL = ByKernel.of("dma-direct", Map.of(
        "6.1", new DirectKernel(false),
        "6.12", new DirectKernel(true)));

    /** The rules of a kernel version; a kernel dmasim does not model is refused, naming the ones it does. */
    static DirectKernel of(KernelVersion kernel) {
        return BY_KERNEL.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BY_KERNEL.kernels();
    }
}
