package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.platform.LogLine.Level;
import org.dmasim.testing.FakeDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** mm/dmapool_test.c: parameter sets, block counts, output format, failure paths. */
class DmapoolTestModuleTest {
    @Test
    void nrBlocks_clampsLikeTheModule() {
        assertEquals(List.of(8192, 8192, 8192, 2048, 1024, 8192),
            DmapoolTest.POOL_PARMS.stream().map(p -> DmapoolTest.nrBlocks(p.size())).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"6.1", "6.4"})
    void sixLines_inTheKernelFormat_onDeviceDmapoolTest_64bitMask(String version) {
        Fixture f = new Fixture(version);
        List<String> lines = f.pools.dmapoolTest(2);
        String[] head = {"size:16   align:16   blocks:8192", "size:64   align:64   blocks:8192",
            "size:256  align:256  blocks:8192", "size:1024 align:1024 blocks:2048", "size:4096 align:4096 blocks:1024",
            "size:68   align:32   blocks:8192"};
        assertEquals(6, lines.size());
        for (int i = 0; i < 6; i++) {
            assertTrue(lines.get(i).matches("dmapool test: " + head[i] + " time:\\d+"), lines.get(i));
        }
        FakeDevice dev = (FakeDevice) f.dma.device("dmapool-test").orElseThrow();
        assertEquals(-1L, dev.dmaMask());
        assertEquals(lines, f.lines(Level.WARNING));
        assertEquals(List.of(), f.pools.pools());
        assertEquals(List.of(), f.dma.allocations());
        // a second run reuses the device
        assertEquals(6, f.pools.dmapoolTest(1).size());
    }

    @Test
    void maskFailure_printsTheModuleLine() {
        Fixture f = new Fixture("6.4");
        f.dma.maskResult = -5;
        assertEquals(List.of("dmapool_checks: mask failed:-5"), f.pools.dmapoolTest(1));
    }

    @Test
    void outOfMemory_stopsAtTheFailingSet_freesWhatItGot() {
        Fixture f = new Fixture("6.4");
        // 8192 blocks of 16 bytes need 32 pages; 64-byte blocks need 128
        f.dma.pageLimit = 40;
        List<String> lines = f.pools.dmapoolTest(1);
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).startsWith("dmapool test: size:16 "));
        assertEquals(List.of(), f.dma.allocations());
        assertEquals(List.of(), f.pools.pools());
    }

    @Test
    void rounds_mustBePositive() {
        Fixture f = new Fixture("6.4");
        assertThrows(IllegalArgumentException.class, () -> f.pools.dmapoolTest(0));
    }
}
