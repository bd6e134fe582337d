package org.dmasim.dmapool;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dmapool.DmaPoolHost;
import org.dmasim.api.mem.KernelVm;

/**
 * DMAPOOL_DEBUG poisoning ({@code include/linux/poison.h}): free memory holds
 * {@code POOL_POISON_FREED} 0xa7, a block just handed out {@code POOL_POISON_ALLOCATED} 0xa9.
 * A block about to be handed out must still hold 0xa7 after its free-list link; anything else
 * means someone wrote to it while it was free. All access goes through the platform's
 * {@link KernelVm}, as the kernel's memset goes through the block's CPU mapping.
 */
final class Poison {
    static final byte FREED = (byte) 0xa7;
    static final byte ALLOCATED = (byte) 0xa9;

    private Poison() {
    }

    /**
     * Checks bytes {@code [linkBytes, len)} of the block at vaddr; on the first non-0xa7 byte
     * prints {@code "<func> <pool>, %p (corrupted)"} and a hex dump of the whole block, as the
     * kernel does. The allocation goes ahead either way.
     *
     * @return whether corruption was found
     */
    static boolean check(DmaPoolHost host, DmaDevice dev, String func, String pool, long vaddr, int linkBytes,
        int len) {
        byte[] data = host.dma().kernelVm().cpuRead(vaddr, len);
        for (int i = linkBytes; i < len; i++) {
            if (data[i] != FREED) {
                host.log().err(KernelFmt.devPrefix(dev) + func + " " + pool + ", " + KernelFmt.p(vaddr)
                    + " (corrupted)");
                for (String row : KernelFmt.hexDump(data)) {
                    host.log().err(row);
                }
                return true;
            }
        }
        return false;
    }

    static void fill(DmaPoolHost host, long vaddr, int len, byte value) {
        host.dma().kernelVm().cpuFill(vaddr, len, value);
    }

    /** A block image: poison with a little-endian link word of {@code linkBytes} at the start. */
    static byte[] withLink(int len, long link, int linkBytes) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, FREED);
        putLink(b, 0, link, linkBytes, len);
        return b;
    }

    /** Stores the low {@code linkBytes} bytes of link at b[at], clipped to limit. */
    static void putLink(byte[] b, int at, long link, int linkBytes, int limit) {
        for (int i = 0; i < linkBytes && at + i < limit; i++) {
            b[at + i] = (byte) (link >>> (8 * i));
        }
    }
}
