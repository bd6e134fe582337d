package org.dmasim.platform.dt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles DTBs token by token, including malformed ones, for error-path tests. Layout as dtc:
 * 40-byte header, reservations, structure block, strings block. {@link #at()} is the absolute
 * offset the next structure token will have (add reservations first).
 */
final class FdtBuilder {
    private final List<long[]> reservations = new ArrayList<>();
    private final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();

    FdtBuilder reserve(long address, long size) {
        reservations.add(new long[] {address, size});
        return this;
    }

    int structOffset() {
        return 40 + 16 * (reservations.size() + 1);
    }

    int at() {
        return structOffset() + struct.size();
    }

    int stringsSize() {
        return strings.size();
    }

    FdtBuilder token(long token) {
        u32(struct, token);
        return this;
    }

    FdtBuilder begin(String name) {
        token(Fdt.BEGIN_NODE);
        struct.writeBytes(name.getBytes(StandardCharsets.UTF_8));
        struct.write(0);
        pad();
        return this;
    }

    FdtBuilder end() {
        return token(Fdt.END_NODE);
    }

    FdtBuilder finish() {
        return token(Fdt.END);
    }

    FdtBuilder nop() {
        return token(Fdt.NOP);
    }

    /** A property whose name is appended to the strings block. */
    FdtBuilder prop(String name, byte[] value) {
        int nameOffset = addString(name);
        return propRaw(value.length, nameOffset, value);
    }

    FdtBuilder propRaw(long length, long nameOffset, byte[] value) {
        token(Fdt.PROP);
        u32(struct, length);
        u32(struct, nameOffset);
        struct.writeBytes(value);
        pad();
        return this;
    }

    FdtBuilder raw(byte[] bytes) {
        struct.writeBytes(bytes);
        return this;
    }

    int addString(String s) {
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return off;
    }

    void rawString(byte[] bytes) {
        strings.writeBytes(bytes);
    }

    byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int structOff = structOffset();
        int stringsOff = structOff + struct.size();
        int total = stringsOff + strings.size();
        for (long v : new long[] {Fdt.MAGIC, total, structOff, stringsOff, 40, 17, 16, 0, strings.size(), struct.size()}) {
            u32(out, v);
        }
        for (long[] r : reservations) {
            u64(out, r[0]);
            u64(out, r[1]);
        }
        u64(out, 0);
        u64(out, 0);
        out.writeBytes(struct.toByteArray());
        out.writeBytes(strings.toByteArray());
        return out.toByteArray();
    }

    /** A minimal valid tree: an empty root. */
    static FdtBuilder emptyRoot() {
        return new FdtBuilder().begin("").end().finish();
    }

    static byte[] withU32(byte[] blob, int offset, long value) {
        byte[] b = blob.clone();
        b[offset] = (byte) (value >>> 24);
        b[offset + 1] = (byte) (value >>> 16);
        b[offset + 2] = (byte) (value >>> 8);
        b[offset + 3] = (byte) value;
        return b;
    }

    static long u32At(byte[] blob, int offset) {
        return (blob[offset] & 0xffL) << 24 | (blob[offset + 1] & 0xffL) << 16
            | (blob[offset + 2] & 0xffL) << 8 | (blob[offset + 3] & 0xffL);
    }

    static byte[] cells(long... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long v : values) {
            u32(out, v);
        }
        return out.toByteArray();
    }

    private void pad() {
        while (struct.size() % 4 != 0) {
            struct.write(0);
        }
    }

    private static void u32(ByteArrayOutputStream out, long v) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        u32(out, v >>> 32);
        u32(out, v);
    }
}
