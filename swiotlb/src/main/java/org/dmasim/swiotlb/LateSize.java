package org.dmasim.swiotlb;

import java.util.Map;
import java.util.OptionalLong;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Memparse;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * The {@code size} argument of {@code swiotlb_init_late} for pools made on a running platform:
 * the swiotlb backend's configuration key {@value #KEY} (PID {@value #PID}), or, without it, the
 * command line's size ({@code swiotlb_size_or_default()}). Updating the configuration replaces
 * the swiotlb instance of every platform that uses it (the old pool drains), so this is how a
 * running platform gets a pool of another size without a re-boot.
 *
 * <p>The value is checked when a pool is made, against {@code swiotlb_init_late}'s own rule: it
 * starts from {@code ALIGN(size >> IO_TLB_SHIFT, IO_TLB_SEGSIZE)} slots rounded up to a block of
 * the page allocator, and only tries blocks of more than IO_TLB_MIN_SLABS (512 slots, 1 MiB), so a
 * size of 1 MiB or less always fails with -ENOMEM. That is refused with the reason, and the
 * instance serving keeps serving. A size larger than any block is tried as the kernel tries it,
 * one order smaller after each failure.
 */
final class LateSize {
    /** The swiotlb backend's configuration PID (one configuration for every platform). */
    static final String PID = "org.dmasim.swiotlb";
    /** Configuration key: bytes, with memparse's suffixes ({@code 2M}, {@code 0x400000}). */
    static final String KEY = "late.size";
    /** No configured size: late pools take the command line's. */
    static final LateSize COMMAND_LINE = new LateSize(null);
    /** Beyond this every order fails alike; keeps the slot arithmetic within 64 bits. */
    private static final long LARGEST_DISTINCT = 1L << 52;

    private final String value;

    private LateSize(String value) {
        this.value = value;
    }

    /** The configured size in {@code configuration} (component properties), if any. */
    static LateSize of(Map<String, ?> configuration) {
        Object v = configuration.get(KEY);
        if (v == null || String.valueOf(v).isBlank()) {
            return COMMAND_LINE;
        }
        return new LateSize(String.valueOf(v).strip());
    }

    /**
     * The slots {@code swiotlb_init_late} starts from, {@code ALIGN(size >> IO_TLB_SHIFT,
     * IO_TLB_SEGSIZE)}; empty when no size is configured.
     *
     * @throws InvalidInputException naming the PID and key: not a size, or one the kernel's
     *     function always fails on
     */
    OptionalLong nslabs() {
        if (value == null) {
            return OptionalLong.empty();
        }
        String what = "swiotlb configuration " + PID + ": " + KEY + " = " + value;
        long bytes = Memparse.parseSize(what, value);
        if (Long.compareUnsigned(bytes, LARGEST_DISTINCT) > 0) {
            bytes = LARGEST_DISTINCT;
        }
        long nslabs = SwiotlbParams.align(bytes >>> SwiotlbPool.IO_TLB_SHIFT, SwiotlbParams.IO_TLB_SEGSIZE);
        if (nslabs > 0 && (SwiotlbRuntime.SLABS_PER_PAGE << order(nslabs)) <= SwiotlbRuntime.IO_TLB_MIN_SLABS) {
            throw new InvalidInputException(what + ": swiotlb_init_late fails with -ENOMEM for a pool of 1 MiB or less"
                + " (it only tries blocks of more than " + SwiotlbRuntime.IO_TLB_MIN_SLABS + " slots); expected more than"
                + " 1M, e.g. 2M");
        }
        return OptionalLong.of(nslabs);
    }

    /**
     * {@code get_order(nslabs << IO_TLB_SHIFT)} on a 64-bit kernel, including its answer for 0
     * (a size below one slot): {@code fls64(ULONG_MAX >> PAGE_SHIFT)}, an order no block has.
     */
    static int order(long nslabs) {
        return nslabs == 0 ? Long.SIZE - Page.PAGE_SHIFT : Page.getOrder(nslabs << SwiotlbPool.IO_TLB_SHIFT);
    }

    @Override
    public String toString() {
        return value == null ? "the command line's size" : KEY + " = " + value;
    }
}
