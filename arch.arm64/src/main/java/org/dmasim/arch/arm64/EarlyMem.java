package org.dmasim.arch.arm64;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Memparse;

/**
 * arm64's {@code mem=} ({@code early_mem} in {@code arch/arm64/mm/init.c}, 6.1): the value,
 * rounded down to a page, becomes {@code memory_limit} and is announced at once with
 * {@code pr_notice("Memory limited to %lldMB")}; only a bare {@code mem} is malformed.
 * {@code arm64_memblock_init()} then applies any limit other than the default through
 * {@code memblock_mem_limit_remove_map()}, which does nothing for 0: so {@code mem=garbage}
 * prints "Memory limited to 0MB" and boots with all memory.
 */
record EarlyMem(long limit) {
    static EarlyParam handler() {
        return EarlyParam.of("mem", EarlyMem::setup);
    }

    private static int setup(String value, BootContext ctx) {
        if (value == null) {
            return -Errno.EINVAL;
        }
        long limit = Memparse.parseParam("mem", value) & -Page.PAGE_SIZE;
        ctx.log().notice("Memory limited to " + (limit >> 20) + "MB");
        ctx.put(EarlyMem.class, new EarlyMem(limit));
        return 0;
    }
}
