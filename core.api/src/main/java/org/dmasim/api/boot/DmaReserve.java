package org.dmasim.api.boot;

/** x86_64 {@code set_dma_reserve()}: pages below 16 MiB already reserved when zones are sized. */
public record DmaReserve(long pages) {
}
