package org.dmasim.api.dt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One device-tree property: a name and its raw big-endian value, as in a DTB. */
public final class DtProperty {
    private final String name;
    private final byte[] value;

    public DtProperty(String name, byte[] value) {
        this.name = name;
        this.value = value.clone();
    }

    public String name() {
        return name;
    }

    public int length() {
        return value.length;
    }

    public byte[] value() {
        return value.clone();
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    /** Number of whole 32-bit cells. */
    public int cellCount() {
        return value.length / 4;
    }

    public long cell(int index) {
        int o = index * 4;
        if (index < 0 || o + 4 > value.length) {
            throw new DeviceTreeException("property '" + name + "': cell " + index
                + " out of range (length " + value.length + " bytes)");
        }
        return ((value[o] & 0xffL) << 24) | ((value[o + 1] & 0xffL) << 16)
            | ((value[o + 2] & 0xffL) << 8) | (value[o + 3] & 0xffL);
    }

    /** Reads {@code count} cells starting at cell {@code index} as one number (count 1 or 2). */
    public long cells(int index, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) {
            v = (v << 32) | cell(index + i);
        }
        return v;
    }

    /** The value as a single u32, as {@code of_property_read_u32} reads it. */
    public long u32() {
        if (value.length < 4) {
            throw new DeviceTreeException("property '" + name + "': " + value.length
                + " bytes, expected a u32 (4 bytes)");
        }
        return cell(0);
    }

    /** NUL-separated strings (e.g. {@code compatible}). */
    public List<String> strings() {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length; i++) {
            if (value[i] == 0) {
                out.add(new String(value, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < value.length) {
            out.add(new String(value, start, value.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }

    public String string() {
        List<String> s = strings();
        return s.isEmpty() ? "" : s.get(0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DtProperty p && p.name.equals(name) && Arrays.equals(p.value, value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + " (" + value.length + " bytes)";
    }
}
