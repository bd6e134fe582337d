package org.dmasim.dmapool;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.BootLog;

/**
 * {@code mm/dmapool_test.c} (CONFIG_DMAPOOL_TEST, 6.4+): for each parameter set, create
 * "test pool" on device {@code dmapool-test}, then {@code rounds} times allocate all
 * {@link #nrBlocks} blocks with GFP_KERNEL and free them in allocation order; print the total
 * time in microseconds. A failed allocation frees what it got and ends the test (-ENOMEM,
 * nothing printed for that set or the ones after it).
 */
final class DmapoolTest {
    /** The kernel's NR_TESTS. */
    static final int NR_TESTS = 100;
    static final String DEVICE = "dmapool-test";

    /** {@code struct dmapool_parms}. */
    record Parms(int size, int align, int boundary) {
    }

    static final List<Parms> POOL_PARMS = List.of(new Parms(16, 16, 0), new Parms(64, 64, 0), new Parms(256, 256, 0),
        new Parms(1024, 1024, 0), new Parms(4096, 4096, 0), new Parms(68, 32, 4096));

    private DmapoolTest() {
    }

    /** {@code clamp((PAGE_SIZE / size) * 512, 1024, 8192)}. */
    static int nrBlocks(int size) {
        return Math.max(1024, Math.min(8192, (CreateArgs.PAGE_SIZE / size) * 512));
    }

    static List<String> run(DmaPools pools, DmaApi dma, BootLog log, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("dmapool_test rounds: " + rounds + " (expected: at least 1; the module"
                + " runs " + NR_TESTS + ")");
        }
        DmaDevice dev = dma.device(DEVICE).orElseGet(() -> dma.createDevice(DeviceSpec.platform(DEVICE, false)));
        List<String> lines = new ArrayList<>();
        int ret = dma.setMaskAndCoherent(dev, -1L);
        if (ret != 0) {
            lines.add("dmapool_checks: mask failed:" + ret);
        } else {
            for (Parms parms : POOL_PARMS) {
                String line = testBlock(pools, dev, parms, rounds);
                if (line == null) {
                    break;
                }
                lines.add(line);
            }
        }
        // printk without a level: the default message loglevel, KERN_WARNING
        lines.forEach(log::warn);
        return lines;
    }

    /** {@code dmapool_test_block}: the line, or null for -ENOMEM. */
    private static String testBlock(DmaPools pools, DmaDevice dev, Parms parms, int rounds) {
        int blocks = nrBlocks(parms.size());
        long[] vaddr = new long[blocks];
        long[] dma = new long[blocks];
        Optional<DmaPool> created = pools.create("test pool", dev, parms.size(), parms.align(), parms.boundary());
        if (created.isEmpty()) {
            return null;
        }
        DmaPool pool = created.get();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                if (!allocFree(pool, vaddr, dma, blocks)) {
                    return null;
                }
            }
            long us = (System.nanoTime() - start) / 1000;
            return String.format("dmapool test: size:%-4d align:%-4d blocks:%-4d time:%d", parms.size(), parms.align(),
                blocks, us);
        } finally {
            pool.destroy();
        }
    }

    /** {@code dmapool_test_alloc}. */
    static boolean allocFree(DmaPool pool, long[] vaddr, long[] dma, int blocks) {
        for (int i = 0; i < blocks; i++) {
            vaddr[i] = pool.alloc(Gfp.GFP_KERNEL, dma, i);
            if (vaddr[i] == 0) {
                for (--i; i >= 0; i--) {
                    pool.free(vaddr[i], dma[i]);
                }
                return false;
            }
        }
        for (int i = 0; i < blocks; i++) {
            pool.free(vaddr[i], dma[i]);
        }
        return true;
    }
}
