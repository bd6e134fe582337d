package org.dmasim.cma;

/**
 * The text formats of the CMA debugfs and sysfs files. {@code base_pfn}, {@code count},
 * {@code order_per_bit}, {@code used} and {@code maxchunk} are simple attributes printed with
 * {@code "%llu\n"}; the sysfs counters use the same format ({@code sysfs_emit}). {@code bitmap}
 * is {@code debugfs_create_u32_array} over the area's bitmap: the {@code unsigned long} words
 * read as {@code u32} values (little-endian, so the low half of each long comes first),
 * {@code DIV_ROUND_UP(bitmap_maxno, 32)} of them, each {@code "%u"} followed by a space, the
 * last by a newline ({@code u32_format_array}).
 */
final class CmaDebugfs {
    private CmaDebugfs() {
    }

    static String u64(long v) {
        return Long.toUnsignedString(v) + "\n";
    }

    /**
     * {@code u32_array_open}: formats with {@code snprintf} into a buffer it sizes at
     * {@code 11 * n} bytes including the terminating NUL, so at most {@code 11 * n - 1}
     * characters survive: when every value has ten digits (all of them at least 10^9, e.g. a
     * full bitmap's 4294967295) the final newline is cut and a read returns the text without
     * it. An empty array reads as an empty file.
     */
    static String u32Array(long[] words, long nbits) {
        int n = (int) ((nbits + 31) / 32);
        StringBuilder sb = new StringBuilder(n * 11);
        for (int i = 0; i < n; i++) {
            long w = i / 2 < words.length ? words[i / 2] : 0;
            long u32 = (i % 2 == 0 ? w : w >>> 32) & 0xffffffffL;
            sb.append(u32).append(i == n - 1 ? '\n' : ' ');
        }
        int capacity = Math.max(n * 11 - 1, 0);
        return sb.length() > capacity ? sb.substring(0, capacity) : sb.toString();
    }
}
