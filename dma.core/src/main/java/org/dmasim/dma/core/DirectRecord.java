package org.dmasim.dma.core;

/**
 * A place that records dma-direct single mappings as words, not objects: the hashed
 * {@link DirectSingleTable} of a thread and the {@link FrontSlot} of a device. A view made of one
 * of its entries names it with a {@link DirectSingleTable.Stamp} to remove the entry.
 */
interface DirectRecord {
    /** Removes the entry whose live control word is {@code ctrl} (any thread); false when it is gone. */
    boolean remove(long dma, long ctrl);
}
