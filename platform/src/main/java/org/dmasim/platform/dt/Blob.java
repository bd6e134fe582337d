package org.dmasim.platform.dt;

import org.dmasim.api.dt.DeviceTreeException;

/**
 * Bounds-checked big-endian reads from a DTB, and the one place that formats its errors
 * ({@code source: offset 0x..: rule}), so no malformed blob can surface as an index exception.
 */
final class Blob {
    private final byte[] bytes;
    private final String source;

    Blob(byte[] bytes, String source) {
        this.bytes = bytes;
        this.source = source;
    }

    int length() {
        return bytes.length;
    }

    long u32(long offset, String what) {
        require(offset, 4, what);
        int o = (int) offset;
        return (bytes[o] & 0xffL) << 24 | (bytes[o + 1] & 0xffL) << 16
            | (bytes[o + 2] & 0xffL) << 8 | (bytes[o + 3] & 0xffL);
    }

    long u64(long offset, String what) {
        return u32(offset, what) << 32 | u32(offset + 4, what);
    }

    byte[] slice(long offset, long length) {
        require(offset, length, "bytes");
        byte[] out = new byte[(int) length];
        System.arraycopy(bytes, (int) offset, out, 0, (int) length);
        return out;
    }

    /** Offset of the first NUL in [from, limit), or -1. */
    long indexOfNul(long from, long limit) {
        long end = Math.min(limit, bytes.length);
        for (long i = Math.max(from, 0); i < end; i++) {
            if (bytes[(int) i] == 0) {
                return i;
            }
        }
        return -1;
    }

    DeviceTreeException error(long offset, String rule) {
        return new DeviceTreeException(source + ": offset 0x" + Long.toHexString(offset) + ": " + rule);
    }

    /** Callers check their block bounds first; this is the last line of defence. */
    private void require(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset + length > bytes.length) {
            throw error(offset, what + " (" + length + " bytes) runs past the end of the "
                + bytes.length + "-byte blob");
        }
    }
}
