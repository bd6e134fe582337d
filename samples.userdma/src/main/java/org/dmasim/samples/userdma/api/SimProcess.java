package org.dmasim.samples.userdma.api;

import java.util.List;
import org.dmasim.api.addr.UserAddr;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A simulated process: an address space of VMAs over 4 KiB pages and its loads and stores.
 * Anonymous memory is faulted in (a zeroed page from the page allocator) on first touch; a
 * driver's {@code remap_pfn_range} mapping shows the driver's pages with the memory type it chose.
 * A load or store where nothing is mapped, or a store to a read-only mapping, is a segmentation
 * fault ({@link SegmentationFault}), and changes nothing.
 */
@ProviderType
public interface SimProcess {
    String name();

    /** {@code mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)}. */
    UserAddr mmapAnonymous(long length);

    /** {@code munmap}: 0, or -EINVAL for an unaligned address or length 0. */
    int munmap(UserAddr addr, long length);

    /** Stores through the process's mapping (cached, or not, as the mapping's memory type says). */
    void write(UserAddr addr, byte[] data);

    byte[] read(UserAddr addr, int len);

    /** The page frame each page of the range maps now (faulting anonymous pages in). */
    List<Long> pfns(UserAddr addr, long len);

    /** {@code /proc/PID/maps}-like lines: range, flags, what backs it. */
    List<String> maps();

    /** Process exit: its mappings go; pages still pinned by a driver are freed at their unpin. */
    void exit();

    /** A load or store the process's mappings do not allow. */
    final class SegmentationFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public SegmentationFault(String message) {
            super(message);
        }
    }
}
