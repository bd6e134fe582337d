package org.dmasim.api.dma;

import java.util.Locale;

/**
 * {@code enum dma_data_direction} ({@code include/linux/dma-direction.h}), with the kernel's
 * values: who writes the buffer while the device owns it.
 */
public enum DmaDirection {
    /** {@code DMA_BIDIRECTIONAL} (0): both. */
    BIDIRECTIONAL(0),
    /** {@code DMA_TO_DEVICE} (1): the CPU wrote it, the device reads it. */
    TO_DEVICE(1),
    /** {@code DMA_FROM_DEVICE} (2): the device writes it, the CPU reads it afterwards. */
    FROM_DEVICE(2),
    /** {@code DMA_NONE} (3): only for debugging; every mapping call BUGs on it. */
    NONE(3);

    private final int value;

    DmaDirection(int value) {
        this.value = value;
    }

    /** The kernel's numeric value. */
    public int value() {
        return value;
    }

    /** {@code DMA_TO_DEVICE} and so on. */
    public String kernelName() {
        return "DMA_" + name();
    }

    /** {@code valid_dma_direction()}: any direction but DMA_NONE. */
    public boolean valid() {
        return this != NONE;
    }

    /**
     * By kernel name ({@code DMA_TO_DEVICE}), without the prefix ({@code TO_DEVICE}), in either
     * case, or by value (0 to 3).
     *
     * @throws IllegalArgumentException naming the text and the valid names
     */
    public static DmaDirection parse(String text) {
        String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT);
        if (t.startsWith("DMA_")) {
            t = t.substring(4);
        }
        for (DmaDirection d : values()) {
            if (d.name().equals(t) || String.valueOf(d.value).equals(t)) {
                return d;
            }
        }
        throw new IllegalArgumentException("dma direction '" + text + "' (expected DMA_BIDIRECTIONAL, DMA_TO_DEVICE,"
            + " DMA_FROM_DEVICE or DMA_NONE)");
    }
}
