package org.dmasim.arch.arm64;

import java.util.Optional;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.platform.Memparse;

/**
 * {@code setup_log_buf(0)} (kernel/printk/printk.c, 6.1), called from {@code start_kernel()}
 * after the command line was parsed. The static buffer is 2^LOG_BUF_SHIFT = 128 KiB (Debian);
 * a larger one comes from memblock when {@code log_buf_len=} asks for more (rounded up to a power
 * of two) or, without it, when the possible CPUs' contributions ((CPUs - 1) × 2^12 bytes) exceed
 * half the static buffer. The new buffer is allocated with its descriptor and info arrays, one of
 * each per 32 bytes of text (PRB_AVGBITS 5), all 8-byte aligned.
 */
final class LogBuf {
    static final long LOG_BUF_LEN = 1L << 17;
    static final long LOG_CPU_MAX_BUF_LEN = 1L << 12;
    static final long LOG_BUF_LEN_MAX = 1L << 31;
    static final int PRB_AVGBITS = 5;
    static final long LOG_ALIGN = 8;

    private LogBuf() {
    }

    static void run(BootContext ctx) {
        long newLen = 0;
        Optional<String> param = ctx.spec().cmdline().value("log_buf_len");
        if (param.isPresent() && !param.get().isEmpty()) {
            newLen = update(Memparse.parse(param.get(), 0).value(), ctx);
        }
        int cpus = ctx.spec().possibleCpus();
        if (newLen == 0 && cpus > 1) {
            long cpuExtra = (cpus - 1) * LOG_CPU_MAX_BUF_LEN;
            if (cpuExtra > LOG_BUF_LEN / 2) {
                ctx.log().info("log_buf_len individual max cpu contribution: " + LOG_CPU_MAX_BUF_LEN + " bytes");
                ctx.log().info("log_buf_len total cpu_extra contributions: " + cpuExtra + " bytes");
                ctx.log().info("log_buf_len min size: " + LOG_BUF_LEN + " bytes");
                newLen = update(cpuExtra + LOG_BUF_LEN, ctx);
            }
        }
        if (newLen == 0) {
            return;
        }
        long descs = newLen >>> PRB_AVGBITS;
        if (descs == 0) {
            ctx.log().err("new_log_buf_len: " + newLen + " too small");
            return;
        }
        if (ctx.memblock().allocTryNid(newLen, LOG_ALIGN, 0, 0) == 0) {
            ctx.log().err("log_buf_len: " + newLen + " text bytes not available");
            return;
        }
        EarlyAllocations.mustAlloc(ctx.memblock(), descs * KernelStructs.PRB_DESC, LOG_ALIGN, "printk descriptors");
        EarlyAllocations.mustAlloc(ctx.memblock(), descs * KernelStructs.PRINTK_INFO, LOG_ALIGN, "printk infos");
        // The kernel then reports "early log buf free: N(P%)": how much of the static buffer the
        // boot so far left unused, which dmasim does not know.
        ctx.log().info("log_buf_len: " + newLen + " bytes");
    }

    /** {@code log_buf_len_update()}: the new length, or 0 when the static buffer is large enough. */
    private static long update(long size, BootContext ctx) {
        if (Long.compareUnsigned(size, LOG_BUF_LEN_MAX) > 0) {
            size = LOG_BUF_LEN_MAX;
            ctx.log().err("log_buf over 2G is not supported.");
        }
        if (size != 0 && Long.bitCount(size) != 1) {
            size = Long.highestOneBit(size) << 1;
        }
        return size > LOG_BUF_LEN ? size : 0;
    }
}
