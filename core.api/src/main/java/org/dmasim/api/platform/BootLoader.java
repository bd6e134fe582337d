package org.dmasim.api.platform;

import java.util.OptionalLong;

/**
 * What the boot loader hands the kernel besides the device tree itself: where it put the kernel
 * Image and the device-tree blob, how large the blob is, and where the command line came from.
 * These differ between loaders of the same tree: QEMU's virt machine builds a 1 MiB blob, QEMU's
 * {@code -dtb FILE} makes the blob (file size + 10000) × 2 bytes, U-Boot keeps about the file
 * size; the kernel reserves whatever the blob header says.
 *
 * @param kernelBase the Image's physical load address, or empty for the loader's default
 *     (start of RAM + 2 MiB as QEMU loads it, moved to the next 2 MiB boundary clear of
 *     reserved regions when that range is taken)
 * @param dtbBase the blob's physical address, or empty for QEMU's rule (start of RAM +
 *     min(RAM / 2, 128 MiB), 2 MiB aligned, after the Image)
 * @param dtbSize the blob's {@code totalsize}: the bytes the kernel reserves for it
 * @param dtbSizeRule how {@code dtbSize} was found, for remarks (e.g. "1 MiB, profile key dtb.size")
 * @param cmdlineRemark a remark about where the command line came from (empty when it came from
 *     {@code --cmdline} or the profile and the tree has no {@code /chosen/bootargs})
 */
public record BootLoader(OptionalLong kernelBase, OptionalLong dtbBase, long dtbSize, String dtbSizeRule,
    String cmdlineRemark) {

    /** QEMU virt's generated blob: 1 MiB, loader defaults, no remark. */
    public static final BootLoader QEMU_VIRT = new BootLoader(OptionalLong.empty(), OptionalLong.empty(), 1L << 20,
        "1 MiB, the blob QEMU's virt machine builds", "");

    public BootLoader {
        if (dtbSize < 0) {
            throw new InvalidInputException("dtb.size " + dtbSize + ": a blob size cannot be negative");
        }
    }
}
