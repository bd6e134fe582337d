package org.dmasim.api.dma;

/**
 * {@code enum dma_data_direction} (include/linux/dma-direction.h): which way the data of a
 * streaming mapping moves. The ordinals are the kernel's values.
 */
public enum DmaDirection {
    /** {@code DMA_BIDIRECTIONAL} (0): the device may read and write. */
    BIDIRECTIONAL,
    /** {@code DMA_TO_DEVICE} (1): the device reads what the CPU wrote. */
    TO_DEVICE,
    /** {@code DMA_FROM_DEVICE} (2): the device writes, the CPU reads afterwards. */
    FROM_DEVICE,
    /** {@code DMA_NONE} (3): debugging only; every mapping call BUGs on it. */
    NONE;

    /** The kernel's name, as DMA-API debug prints it ({@code dir2name}). */
    public String kernelName() {
        return this == BIDIRECTIONAL ? "DMA_BIDIRECTIONAL" : "DMA_" + name();
    }

    /** {@code valid_dma_direction()}: the three real directions. */
    public static boolean valid(DmaDirection dir) {
        return dir != null && dir != NONE;
    }

    /** Parses {@code DMA_TO_DEVICE}, {@code TO_DEVICE}, {@code to_device} or the kernel's number (0-3). */
    public static DmaDirection parse(String text) {
        String t = text.strip().toUpperCase(java.util.Locale.ROOT).replaceFirst("^DMA_", "");
        if (t.length() == 1 && Character.isDigit(t.charAt(0)) && t.charAt(0) <= '3') {
            return values()[t.charAt(0) - '0'];
        }
        for (DmaDirection d : values()) {
            if (d.name().equals(t)) {
                return d;
            }
        }
        throw new IllegalArgumentException("DMA direction: " + text.strip()
            + " (expected: DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_NONE, or 0-3)");
    }
}
