package org.dmasim.dmapool;

import java.util.List;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.LogLine;
import org.dmasim.testing.FakeDevice;
import org.dmasim.testing.FakeDma;

/** One simulated platform's dma_pool service over {@link FakeDma}, and helpers. */
final class Fixture {
    final FakeDma dma = new FakeDma();
    final BootLog log = new BootLog();
    final DmaPools pools;
    /** Bus address = phys - 0x1000_0000, so CPU and bus addresses never coincide. */
    final FakeDevice dev = new FakeDevice("nc", FakeDma.DMA_OFFSET);

    Fixture(String version) {
        this(version, false);
    }

    Fixture(String version, boolean debug) {
        pools = DmaPoolBoot.standalone(dma, log, debug, version);
    }

    DmaPool create(String name, long size, long align, long boundary) {
        return pools.create(name, dev, size, align, boundary).orElseThrow();
    }

    List<String> lines(LogLine.Level level) {
        return log.lines().stream().filter(l -> l.level() == level).map(LogLine::text).toList();
    }

    /** Allocates n blocks with GFP_KERNEL; returns [vaddr..., dma...] pairs. */
    static long[][] allocN(DmaPool pool, int n) {
        long[] vaddr = new long[n];
        long[] dma = new long[n];
        for (int i = 0; i < n; i++) {
            vaddr[i] = pool.alloc(org.dmasim.api.mm.Gfp.GFP_KERNEL, dma, i);
            if (vaddr[i] == 0) {
                throw new AssertionError("allocation " + i + " failed");
            }
        }
        return new long[][] {vaddr, dma};
    }
}
