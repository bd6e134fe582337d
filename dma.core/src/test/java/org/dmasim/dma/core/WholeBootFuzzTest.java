package org.dmasim.dma.core;

import java.nio.file.Path;
import org.dmasim.platform.oracle.BootFuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform's whole-boot fuzz ({@link BootFuzz}) with dma.core taking part, so that devices
 * made from mutated device trees ({@code of_platform_default_populate}, {@code of_dma_configure},
 * {@code memory-region}) are covered too. A fresh seed each run, printed;
 * {@code -Ddmasim.seed=N} repeats a run and {@code -Plong-tests} runs ten times the cases.
 */
class WholeBootFuzzTest {
    @TempDir
    Path dir;

    @Test
    void devicesFromMutatedTreesNeverEndInAnInternalErrorOrAHang() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("WholeBootFuzzTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        new BootFuzz(seed, BootFuzz.inputDir(dir), new DmaCoreBoot()).run(Boolean.getBoolean("dmasim.longTests") ? 1000 : 100);
    }
}
