package org.dmasim.dma.core;

import static org.dmasim.dma.core.DebugBoot.hex16;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.addr.DmaAddr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What DMA-API debugging prints differently on the platform's kernel: 6.1's type2name spells the
 * list type {@code scather-gather}, 6.12's {@code scatter-gather}; 6.12's dump line carries the
 * entry's cacheline number ({@code cln=%pa}). The checks and the rest of the wording are the same.
 */
class DebugKernelsTest {
    @ParameterizedTest
    @CsvSource({"6.1, scather-gather", "6.12, scatter-gather"})
    void aListUnmappedAsASingleMappingNamesTheListTypeAsTheKernelSpellsIt(String kernel, String sgName) {
        DebugBoot b = DebugBoot.arm64(kernel);
        DmaDevice coh = b.dev("dma-test-coh");
        long page = b.page();
        SgTable sg = SgTable.of(new long[] {page}, new long[] {4096});
        assertEquals(1, b.dma.mapSg(coh, sg, 1, DmaDirection.FROM_DEVICE, 0));
        long dma = sg.dmaAddress(0);
        List<String> out = b.kernelRefused(() -> b.dma.unmapPage(coh, new DmaAddr(dma), 4096,
            DmaDirection.FROM_DEVICE, 0));
        assertEquals(List.of("DMA-API: platform dma-test-coh: device driver frees DMA memory with wrong function"
            + " [device address=0x" + hex16(dma) + "] [size=4096 bytes] [mapped as " + sgName + "] [unmapped as"
            + " single]", "DMA-API: Mapped at:"), out);

        String cln = kernel.equals("6.12") ? String.format(" cln=0x%016x", page >>> 6) : "";
        assertEquals(List.of(String.format("platform dma-test-coh %s idx %d P=%x N=%x D=%x L=1000%s DMA_FROM_DEVICE"
            + " dma map error check not applicable", sgName, (dma >>> 13) & 16383, page, page >>> 12, dma, cln)),
            b.debug.dump());
    }
}
