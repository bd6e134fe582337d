package org.dmasim.platform.oracle;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BootFuzz} over the platform's own boot (every phase but the devices, which dma.core
 * adds in its own copy of this test). A fresh seed each run, printed; {@code -Ddmasim.seed=N}
 * repeats a run and {@code -Plong-tests} runs ten times the cases.
 */
class BootFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedTreesMapsAndCommandLinesNeverEndInAnInternalErrorOrAHang() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("BootFuzzTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        new BootFuzz(seed, BootFuzz.inputDir(dir)).run(Boolean.getBoolean("dmasim.longTests") ? 1000 : 100);
    }
}
