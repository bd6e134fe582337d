package org.dmasim.dmapool;

import java.util.Optional;
import org.dmasim.api.dmapool.DmaPoolHost;

/**
 * The arithmetic of {@code dma_pool_create} both versions share, and the way a NULL return is
 * explained. Sizes are size_t in the kernel; the simulator takes 0 .. 2^31 - 1 (block offsets
 * are 32-bit in both versions' data structures) and refuses anything else outright.
 */
final class CreateArgs {
    static final int PAGE_SIZE = 4096;

    private CreateArgs() {
    }

    /** strscpy into the 32-byte name field: at most 31 characters survive. */
    static String kernelName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("dma_pool_create: name is NULL (expected: a name; the kernel would oops"
                + " in strscpy)");
        }
        return name.length() > 31 ? name.substring(0, 31) : name;
    }

    static void checkRange(String name, String what, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dma_pool_create " + name + ": " + what + " " + value
                + " (expected: 0.." + Integer.MAX_VALUE + ", the range dmasim models)");
        }
    }

    static boolean powerOfTwo(long v) {
        return (v & (v - 1)) == 0;
    }

    /** {@code ALIGN(size, align)} for a power-of-two align. */
    static long align(long size, long align) {
        return (size + align - 1) & -align;
    }

    /** Logs why the kernel returns NULL and returns empty. */
    static <T> Optional<T> rejected(DmaPoolHost host, String name, String why) {
        host.log().dmasim("dma_pool_create " + name + ": " + why + "; the kernel returns NULL");
        return Optional.empty();
    }
}
