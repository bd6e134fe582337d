package org.dmasim.api.mem;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Memory addressed by CPU physical address. RAM itself is sparse: a page holds bytes only once
 * something non-zero was written into it, so a never-written page reads as zeros and costs
 * nothing. A platform has several views of the same RAM ({@link CpuCache}): the CPU's through
 * its data cache (the platform's published {@code PhysMemory}), the CPU's through non-cacheable
 * mappings, each device's port (snooping or not), and RAM itself.
 *
 * <p>Every method checks that the whole range lies in present RAM and throws
 * {@link IllegalArgumentException} naming the range otherwise, without touching anything.
 */
@ProviderType
public interface PhysMemory {
    void read(long phys, byte[] dst, int off, int len);

    void write(long phys, byte[] src, int off, int len);

    /** memset: a zero fill drops the pages it covers completely back to the sparse state. */
    void fill(long phys, long len, byte value);

    /** memmove semantics (overlap allowed). */
    void copy(long dstPhys, long srcPhys, long len);

    default byte[] read(long phys, int len) {
        byte[] b = new byte[len];
        read(phys, b, 0, len);
        return b;
    }

    default void write(long phys, byte[] src) {
        write(phys, src, 0, src.length);
    }

    /** Little-endian 32-bit load, as both simulated architectures do it. */
    default int readInt(long phys) {
        byte[] b = read(phys, 4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    default void writeInt(long phys, int v) {
        write(phys, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    /** True when [phys, phys + len) lies entirely in present RAM. */
    boolean isRam(long phys, long len);

    /** Pages that currently hold bytes (for the memory budget and tests). */
    long materialisedPages();
}
