package org.dmasim.samples.userdma.api;

import org.dmasim.api.addr.UserAddr;
import org.dmasim.devices.api.BlockHw;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The user-DMA sample driver bound to a device, as its character device's file operations see a
 * process. Return values are those of the system calls: bytes, or a negative errno.
 */
@ProviderType
public interface UserDmaDevice {
    String name();

    /** The scatter-gather block device's hardware the driver drives. */
    BlockHw hw();

    /** Size of the coherent buffer the driver shares through mmap. */
    long bufferSize();

    /**
     * {@code mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED, fd, pgoff << PAGE_SHIFT)}: the
     * driver's {@code .mmap} refuses a VMA larger than its buffer, or starting beyond it, with
     * -EINVAL, then maps the buffer with {@code dma_mmap_coherent}.
     *
     * @return the user address, or a negative errno (-EINVAL for length 0 as mmap(2) says)
     */
    long mmap(SimProcess process, long length, long pgoff);

    /**
     * The driver's ioctl: the device moves {@code len} bytes of the coherent buffer from
     * {@code offset} to the medium at {@code sector} (what the process wrote through its mapping, with
     * no copy). 0 or a negative errno.
     */
    int xfer(long offset, long len, long sector);

    /**
     * {@code pwrite}-like zero-copy write: the user buffer is pinned, built into a scatter-gather
     * table, mapped, and the device reads it to the medium at {@code sector} in chunks.
     *
     * @return bytes written (fewer when the device failed part way), or -EFAULT, -EINVAL, -ENOMEM,
     *     -EIO, -ETIMEDOUT, -EINTR (a signal before any byte moved)
     */
    long write(SimProcess process, UserAddr buf, long count, long sector);

    /** {@code pread}-like zero-copy read from the medium into the pinned user buffer. As {@link #write}. */
    long read(SimProcess process, UserAddr buf, long count, long sector);

    /**
     * The classic {@code write(2)}: {@code copy_from_user} into the coherent buffer at
     * {@code offset} (counted in {@link Stats#bytesCopied}). Bytes copied, or -EFAULT/-EINVAL.
     */
    long writeCopy(SimProcess process, UserAddr buf, long count, long offset);

    /** How long the driver waits for one chunk (default 1000 ms). */
    void setTimeoutMillis(long millis);

    Stats stats();

    /** The driver's remove: frees the buffer and unbinds the hardware. */
    void remove();

    /**
     * @param bytesCopied bytes the driver copied between user and kernel memory
     * @param pinnedPages user pages pinned right now
     * @param chunks device requests completed
     * @param bufferPfn first page frame of the coherent buffer
     */
    record Stats(long bytesCopied, long pinnedPages, long chunks, long bufferPfn) {
    }
}
