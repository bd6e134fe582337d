package org.dmasim.dma.core.debug;

/** {@code enum map_err_types}: whether the driver asked {@code dma_mapping_error} about an entry. */
enum MapErr {
    /** Lists and coherent buffers: there is nothing to check. */
    NOT_APPLICABLE("dma map error check not applicable"),
    /** A single or resource mapping {@code dma_mapping_error} has not been asked about (yet). */
    NOT_CHECKED("dma map error not checked"),
    CHECKED("dma map error checked");

    /** {@code maperr2str}, as the dump prints it. */
    final String text;

    MapErr(String text) {
        this.text = text;
    }
}
