package org.dmasim.cma;

import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.platform.BootLog;
import org.dmasim.testing.FakePageAllocator;

/** An activated area on a fake allocator, with its log and a clock the test moves by hand. */
final class TestAreas {
    final FakePageAllocator pages;
    final BootLog log = new BootLog();
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final CmaGlobals globals = new CmaGlobals(log, clock::get);
    final Cma cma;

    TestAreas(String name, long basePfn, long count, int orderPerBit) {
        pages = FakePageAllocator.oneZone(basePfn, basePfn + count);
        cma = new Cma(name, basePfn, count, orderPerBit, globals);
        cma.activate(pages);
    }

    /** The oracle board's default area: 64 MiB at 0xfc000000. */
    static TestAreas oracleDefault() {
        return new TestAreas("reserved", 0xfc000, 16384, 0);
    }
}
