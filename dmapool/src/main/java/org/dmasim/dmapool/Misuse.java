package org.dmasim.dmapool;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dmapool.DmaPoolHost;

/**
 * A refused call. The simulator refuses every misuse (nothing changes), but reports it two
 * ways: when the kernel version prints the message itself it goes to the log as that kernel's
 * {@code dev_err} line; when the kernel would not notice, the log gets a dmasim line with the
 * same text and what the kernel would have done instead.
 */
final class Misuse {
    private Misuse() {
    }

    /** The kernel prints this (dev_err) and refuses too. */
    static IllegalArgumentException printed(DmaPoolHost host, DmaDevice dev, String text) {
        String line = KernelFmt.devPrefix(dev) + text;
        host.log().err(line);
        return new IllegalArgumentException(line);
    }

    /** A pool call after dma_pool_destroy: no kernel version notices the use of the freed pool. */
    static IllegalArgumentException useAfterDestroy(DmaPoolHost host, DmaDevice dev, String func, String pool) {
        return unnoticed(host, dev, func + " " + pool + ": pool was destroyed", "the kernel would use the freed pool");
    }

    /** A second dma_pool_destroy: no kernel version notices the double free of the pool. */
    static IllegalArgumentException destroyTwice(DmaPoolHost host, DmaDevice dev, String pool) {
        return unnoticed(host, dev, "dma_pool_destroy " + pool + ": pool already destroyed",
            "the kernel would free the pool a second time");
    }

    /** The kernel would not detect this; {@code consequence} says what it would do. */
    static IllegalArgumentException unnoticed(DmaPoolHost host, DmaDevice dev, String text, String consequence) {
        String line = KernelFmt.devPrefix(dev) + text + " [dmasim: refused; " + consequence + "]";
        host.log().dmasim(line);
        return new IllegalArgumentException(line);
    }
}
