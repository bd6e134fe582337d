package org.dmasim.cma;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Kconfig;

/**
 * {@code kernel/dma/contiguous.c} (6.1): which contiguous areas a platform asks for. The default
 * area comes from the command line ({@code cma=}, {@link CmaParams}) over a device-tree
 * {@code linux,cma-default} region over Kconfig ({@code CONFIG_CMA_SIZE_SEL_*});
 * {@code /reserved-memory} nodes compatible with {@code shared-dma-pool} and {@code reusable}
 * become areas of their own ({@code rmem_cma_setup}). Declaring and activating an area is
 * {@link CmaInit}'s business.
 */
final class Contiguous {
    private Contiguous() {
    }

    /**
     * {@code dma_contiguous_reserve(limit)}: the default area, unless a device-tree region
     * already became the default; placed below the arch's DMA limit or the cmdline's window.
     */
    static void reserve(CmaRegistry reg, BootContext ctx, CmaParams cmdline) {
        long limit = ctx.require(ZoneLimits.class).contiguousLimit();
        long size;
        long base = 0;
        boolean fixed = false;
        if (cmdline.given()) {
            size = cmdline.size();
            base = cmdline.base();
            limit = minNotZero(cmdline.limit(), limit);
            fixed = cmdline.fixed();
        } else {
            size = kconfigSize(ctx);
        }
        if (size == 0 || reg.defaultArea().isPresent()) {
            return;
        }
        Cma cma = CmaInit.declareContiguous(reg, ctx, base, size, limit, 0, 0, fixed, "reserved");
        if (cma != null) {
            reg.setDefault(cma);
        }
    }

    private static long minNotZero(long a, long b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        return Long.compareUnsigned(a, b) < 0 ? a : b;
    }

    /** CONFIG_CMA_SIZE_SEL_*: megabytes, percentage of memblock memory, or their min/max. */
    static long kconfigSize(BootContext ctx) {
        Kconfig k = ctx.spec().kconfig();
        long mbytes = k.number("CMA_SIZE_MBYTES") << 20;
        long pages = Page.pfnDown(ctx.memblock().physMemSize());
        long percent = (pages * k.number("CMA_SIZE_PERCENTAGE") / 100) << Page.PAGE_SHIFT;
        if (k.enabled("CMA_SIZE_SEL_PERCENTAGE")) {
            return percent;
        }
        if (k.enabled("CMA_SIZE_SEL_MIN")) {
            return Math.min(mbytes, percent);
        }
        if (k.enabled("CMA_SIZE_SEL_MAX")) {
            return Math.max(mbytes, percent);
        }
        return mbytes;
    }

    /**
     * {@code rmem_cma_setup}: a reusable {@code shared-dma-pool} region becomes an area (the
     * default one with {@code linux,cma-default}, unless {@code cma=} was given); claims the
     * region on success. Returns 0 or a negative errno, as the handler does.
     */
    static int rmemCmaSetup(CmaRegistry reg, ReservedMem rmem, BootContext ctx, CmaParams cmdline) {
        boolean defaultCma = rmem.node().has("linux,cma-default");
        if (cmdline.given() && defaultCma) {
            ctx.log().info("Reserved memory: bypass " + rmem.name() + " node, using cmdline CMA params instead");
            return -Errno.EBUSY;
        }
        if (!rmem.node().has("reusable") || rmem.node().has("no-map")) {
            return -Errno.EINVAL;
        }
        if (((rmem.base() | rmem.size()) & (CmaInit.CMA_MIN_ALIGNMENT_BYTES - 1)) != 0) {
            ctx.log().err("Reserved memory: incorrect alignment of CMA region");
            return -Errno.EINVAL;
        }
        int err = CmaInit.initReservedMem(reg, ctx, rmem.base(), rmem.size(), 0, rmem.name());
        if (err != 0) {
            ctx.log().err("Reserved memory: unable to setup CMA region");
            return err;
        }
        Cma cma = reg.all().get(reg.all().size() - 1);
        if (defaultCma) {
            reg.setDefault(cma);
        }
        rmem.claim(CmaBoot.COMPATIBLE, cma);
        ctx.log().info(String.format("Reserved memory: created CMA memory pool at 0x%016x, size %d MiB",
            rmem.base(), rmem.size() >>> 20));
        return 0;
    }
}
