package org.dmasim.iommu.dma;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * What dma-iommu does differently per kernel version: one object per version, picked by the
 * platform's kernel ({@link #of}).
 *
 * <p>The IOVA sequence of the real kernels' S5 run is the same in 6.1 and 6.12 (the 6.12 oracle's
 * README). What differs is the PCI 32-bit workaround once the space below 4 GiB is full:
 * <ul>
 * <li>6.1: every allocation of a PCI device with a limit above 4 GiB tries below 4 GiB first, for
 *     ever (after exhaustion each attempt fails fast through {@code max32_alloc_size}), silently;</li>
 * <li>6.12 (from 6.4): the first such attempt that fails turns the workaround off for the device
 *     ({@code dev->iommu->pci_32bit_workaround = false}) with a notice,
 *     {@code Using 48-bit DMA addresses}; from then on it allocates from its whole limit, even
 *     when IOVAs below 4 GiB are free again.</li>
 * </ul>
 * Not modelled: 6.7's IOVA depot kept as a list and trimmed every 100 ms (the same IOVAs come
 * back, only memory use differs).
 */
public abstract class DmaIommuKernel {
    private static final ByKernel<DmaIommuKernel> BY_VERSION = ByKernel.of("iommu.smmu", Map.of(
        "6.1", new DmaIommuKernel() {
            @Override
            boolean latchesPci32BitWorkaround() {
                return false;
            }
        },
        "6.12", new DmaIommuKernel() {
            @Override
            boolean latchesPci32BitWorkaround() {
                return true;
            }
        }));

    /** The rules of {@code kernel}. */
    public static DmaIommuKernel of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    /** The kernels modelled. */
    public static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    /** Whether a failed 32-bit attempt ends the PCI 32-bit workaround for the device, with a notice. */
    abstract boolean latchesPci32BitWorkaround();
}
